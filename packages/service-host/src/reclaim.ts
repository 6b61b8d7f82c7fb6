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
 *     one full GC (nextState has the rule). Never under load: there V8 collects on its own, and a
 *     full GC is a pause.
 *
 * `malloc_trim` has no binding in Node; it is called through koffi (a maintained FFI library whose
 * npm package carries its prebuilt binaries). Without glibc (musl, macOS) the trim is skipped, and
 * without `--expose-gc` (the runner gives it) the collection; each is logged once. The timer does
 * not keep the process alive.
 */
export interface MemoryReducerOptions {
  readonly everyMs: number;
  readonly log: Logger;
  /** A period whose event loop was busy less than this share of it is quiet. */
  readonly quietBelow?: number;
}

export function reduceMemoryWhenQuiet({ everyMs, log, quietBelow = 0.2 }: MemoryReducerOptions): void {
  if (everyMs <= 0) return;
  const trim = mallocTrim(log);
  const collect = typeof globalThis.gc === 'function' ? globalThis.gc : undefined;
  if (collect === undefined) log.info('no full GC when quiet: the process runs without --expose-gc');
  let state: LoadState = { loaded: false, periodsSinceCollection: collectAtMostEvery };
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
    trim?.(0);
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

/** `malloc_trim` of glibc, or undefined where there is none. */
export function mallocTrim(log: Logger): ((pad: number) => number) | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    return koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number;
  } catch (error) {
    log.info({ err: error }, "malloc's free pages stay with it: no glibc malloc_trim here");
    return undefined;
  }
}
