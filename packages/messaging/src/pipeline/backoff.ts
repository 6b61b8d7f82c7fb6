export interface BackoffOptions {
  /** Ceiling of the first delay (default 100 ms); it doubles with each attempt. */
  readonly initialMs?: number;
  /** Largest ceiling (default 10 s). */
  readonly maxMs?: number;
}

/** Delay before the retry that follows failed attempt number `attempt` (1-based). */
export type Backoff = (attempt: number) => number;

/**
 * Exponential backoff with "equal jitter": half of each delay is fixed, half random, so replicas
 * that failed on the same outage do not retry in lockstep, and no delay collapses to zero.
 */
export function exponentialBackoff(options: BackoffOptions = {}, random: () => number = Math.random): Backoff {
  const { initialMs = 100, maxMs = 10_000 } = options;
  return (attempt) => {
    const ceiling = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
    return ceiling / 2 + (random() * ceiling) / 2;
  };
}
