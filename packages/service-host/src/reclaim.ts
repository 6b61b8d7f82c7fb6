import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { Logger } from 'pino';

/**
 * Gives memory back when the load on a process drops, as V8's memory reducer would if Node told
 * it the process had gone quiet (its trace says "high alloc" even when idle, so it never starts).
 * Measured on a gdmarket reservation service after a benchmark: 141 MB RSS, for minutes; a full
 * GC and handing malloc's free pages back take it to about 90.
 *
 * Every `everyMs`:
 *   - malloc's free pages go back to the kernel (`malloc_trim(0)`). Under load V8's optimizing
 *     compilers allocate their zones (8 and 32 KB segments) with malloc while hot code compiles and
 *     free them; glibc returns only the top of a heap on free, so the holes they leave between
 *     longer-lived allocations stay resident (12 to 45 MB of a service's RSS). A page handed back
 *     and used again costs one page fault per period, not one per allocation as an mmap threshold
 *     does (35% more CPU per request there; here no measurable CPU per request).
 *   - in the first quiet period (event loop busy less than `quietBelow` of it) after a busy one,
 *     one full GC (nextState has the rule), and the pages of the Node binary and its libraries
 *     that are not in use drop out of the process (dropIdleFilePages). Never under load: there V8
 *     collects on its own, a full GC is a pause, and the binary's hot pages would only come back.
 *     The first quiet period after the start is such a period, for the start's garbage.
 *   - once, as soon as the process has started (busy or not): the 20 to 40 MB of the binary only
 *     the start read (the startup snapshot, the built-in modules' sources, bootstrap code) drop,
 *     so a process that takes load at once does not carry them until its first quiet period.
 *
 * `malloc_trim` and `madvise` have no binding in Node; they are called through koffi (a maintained
 * FFI library whose npm package carries its prebuilt binaries). Without glibc (musl, macOS) both
 * are skipped, and without `--expose-gc` (the runner gives it) the collection; each is logged
 * once. The timer does not keep the process alive.
 */
export interface MemoryReducerOptions {
  readonly everyMs: number;
  readonly log: Logger;
  /** A period whose event loop was busy less than this share of it is quiet. */
  readonly quietBelow?: number;
}

export function reduceMemoryWhenQuiet({ everyMs, log, quietBelow = 0.2 }: MemoryReducerOptions): void {
  if (everyMs <= 0) return;
  const native = libc(log);
  const collect = typeof globalThis.gc === 'function' ? globalThis.gc : undefined;
  if (collect === undefined) log.info('no full GC when quiet: the process runs without --expose-gc');
  // The start counts as a load: the first quiet period after it collects the start's garbage.
  let state: LoadState = { loaded: true, periodsSinceCollection: collectAtMostEvery };
  // At once, load or not (a rolling restart, a benchmark): the gas station POS peaked at 126 MB
  // under a load that began at its start, 105 with this.
  if (native !== undefined) dropIdleFilePages(native.madvise);
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const next = nextState(state, busy >= quietBelow);
    state = next.state;
    // 'last-resort' is the collection that also releases V8's emptied and pooled pages (a plain
    // gc() keeps them): 88 -> 56 MB RSS against 87 for a plain one, in a 20 ms pause there.
    if (next.collect && collect !== undefined) collect({ type: 'major', flavor: 'last-resort' });
    if (next.collect && native !== undefined) dropIdleFilePages(native.madvise);
    native?.mallocTrim(0);
  }, everyMs);
  timer.unref();
}

/**
 * A collection costs 60 to 100 ms of CPU in a service (it collects until nothing more is freed) and
 * pauses it for part of that: under a load that comes and goes, at most one per this many periods
 * (1% of a core at most, with the default second).
 */
const collectAtMostEvery = 10;

export interface LoadState {
  /** A busy period came since the last collection. */
  readonly loaded: boolean;
  readonly periodsSinceCollection: number;
}

/**
 * One period's step, on its own so its rule can be read and tested: collect once, in the first
 * quiet period after a busy one, and not again within `collectAtMostEvery` periods.
 */
export function nextState(state: LoadState, busy: boolean): { state: LoadState; collect: boolean } {
  const periodsSinceCollection = state.periodsSinceCollection + 1;
  const loaded = state.loaded || busy;
  if (busy || !loaded || periodsSinceCollection < collectAtMostEvery) return { state: { loaded, periodsSinceCollection }, collect: false };
  return { state: { loaded: false, periodsSinceCollection: 0 }, collect: true };
}

/** The two calls of glibc the reducer makes, or undefined where there is no glibc. */
export interface Libc {
  mallocTrim(pad: number): number;
  madvise(address: bigint, length: bigint, advice: number): number;
}

export function libc(log: Logger): Libc | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const library = koffi.load('libc.so.6');
    return {
      mallocTrim: library.func('int malloc_trim(size_t pad)') as Libc['mallocTrim'],
      madvise: library.func('int madvise(uintptr_t addr, size_t length, int advice)') as Libc['madvise'],
    };
  } catch (error) {
    log.info({ err: error }, "memory the process does not use stays with it: no glibc malloc_trim and madvise here");
    return undefined;
  }
}

/**
 * Drops the resident pages of every clean file mapping (cleanFileMappings) from the process
 * (`MADV_DONTNEED`): the kernel's page cache keeps them, and a page touched again comes back from
 * it in a minor fault. What stays resident is what the process has read since, so its RSS stops
 * counting the parts of the Node binary it touched once: a gdmarket item service under load 117
 * MB before, 97 after (of the binary's 53 MB, 29 stay in use). Returns the bytes it asked to drop.
 */
export function dropIdleFilePages(madvise: Libc['madvise']): bigint {
  let dropped = 0n;
  for (const { start, length, residentBytes } of cleanFileMappings(readFileSync('/proc/self/smaps', 'utf8'))) {
    if (madvise(start, length, MADV_DONTNEED) === 0) dropped += residentBytes;
  }
  return dropped;
}

const MADV_DONTNEED = 4;

export interface FileMapping {
  readonly start: bigint;
  readonly length: bigint;
  readonly residentBytes: bigint;
}

/**
 * The mappings of `/proc/<pid>/smaps` whose resident pages are all the file's own: backed by a
 * file, not writable, with no copy-on-write (`Anonymous`) page, and something resident. Dropping
 * their pages loses nothing: they read back from the file as they were. A mapping that is
 * writable, or was written before it was made read-only (a relocated RELRO segment has Anonymous
 * pages), is left alone: there dropping would bring back the file's bytes over the process's.
 */
export function cleanFileMappings(smaps: string): FileMapping[] {
  const found: FileMapping[] = [];
  let current: { start: bigint; length: bigint; clean: boolean; rss: bigint } | undefined;
  const close = () => {
    if (current?.clean && current.rss > 0n) found.push({ start: current.start, length: current.length, residentBytes: current.rss });
  };
  for (const line of smaps.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header !== null) {
      close();
      const [, from, to, permissions, path] = header as unknown as [string, string, string, string, string];
      const start = BigInt(`0x${from}`);
      current = { start, length: BigInt(`0x${to}`) - start, clean: path.startsWith('/') && permissions[0] === 'r' && permissions[1] !== 'w', rss: 0n };
      continue;
    }
    if (current === undefined) continue;
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (field?.[1] === 'Rss') current.rss = BigInt(field[2]!) * 1024n;
    else if (field?.[1] === 'Anonymous' && field[2] !== '0') current.clean = false;
  }
  close();
  return found;
}
