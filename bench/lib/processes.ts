/**
 * What a process costs, read from /proc (Linux): CPU time and resident memory. CPU time is the
 * measure that survives a busy machine: wall-clock throughput drops when other work shares the
 * cores, the CPU a request costs each process much less so.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** Kernel clock ticks per second (`getconf CLK_TCK`): 100 on every Linux Node supports. */
const ticksPerSecond = 100;

/** utime + stime of `pid` in milliseconds (10 ms resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** A `kB` field of `/proc/<pid>/status`, in MB. */
function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Math.round(Number(line?.match(/(\d+)/)?.[1] ?? Number.NaN) / 1024);
}

/** Resident set size of `pid` in MB, now. */
export const rssMb = (pid: number): number => statusMb(pid, 'VmRSS');

/**
 * The most `pid` has held resident since it started or since resetPeakRss, in MB (the kernel's
 * high-water mark, so no moment between two readings escapes it): what the footprint bar must
 * hold to, since a process over it under load is over it, whatever it reads once the load stopped.
 */
export const peakRssMb = (pid: number): number => statusMb(pid, 'VmHWM');

/** Starts `pid`'s high-water mark again from what it holds now (Linux's clear_refs, code 5). */
export const resetPeakRss = (pid: number): void => writeFileSync(`/proc/${pid}/clear_refs`, '5');

/** CPU milliseconds of each named process now. */
export const cpuSnapshot = (pids: Readonly<Record<string, number>>): Record<string, number> =>
  Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));

/**
 * Proportional set size of `pid` in MB: its resident pages, each shared page divided among the
 * processes sharing it. The Node binary's own pages (about 50 MB of every process's RSS here) are
 * shared by every process of the run, so PSS says what one more process really costs.
 */
export function pssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Pss:'));
  return Math.round(Number(line?.match(/(\d+)/)?.[1] ?? Number.NaN) / 1024);
}
