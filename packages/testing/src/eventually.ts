import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long (default 5 s). */
  readonly within?: number;
  /** Pause between attempts (default 10 ms). Not a wait for consistency: the deadline is. */
  readonly every?: number;
  /** Said in the failure, e.g. "item 1 to become NotRentable". */
  readonly what?: string;
}

/**
 * Runs `probe` until it returns without throwing, then returns its value; after the deadline,
 * throws the probe's last error. Use it instead of sleeping to wait for eventual consistency.
 */
export async function eventually<T>(probe: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const { within = 5_000, every = 10, what = 'the condition' } = options;
  const deadline = performance.now() + within;
  let lastError: unknown;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      throw new Error(`timed out after ${within} ms waiting for ${what}`, { cause: lastError });
    }
    await delay(every);
  }
}
