import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  SamplingBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { defaults, type BreakerState, type HttpClientOptions } from './options.ts';
import { isNetworkFailure, type Reply } from './transport.ts';

export interface Policies {
  /** For calls that are safe to repeat. */
  readonly retrying: Policy;
  /** For calls that must run at most once. */
  readonly once: Policy;
  readonly state: () => BreakerState;
  /** Whole seconds until the breaker lets a trial call through; 1 while it is not open. */
  readonly retryAfterSeconds: () => number;
}

interface Policy {
  execute(attempt: (context: { signal: AbortSignal }) => Promise<Reply>): Promise<Reply>;
}

const stateNames: Readonly<Record<CircuitState, BreakerState>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/**
 * A failure of the target: no answer in time, a network error, or a 5xx. A 4xx is an answer
 * (the target is healthy and said no): it is neither retried nor counted against the breaker.
 */
const targetFailure = handleWhen((error) => error instanceof TaskCancelledError || isNetworkFailure(error)).orWhenResult(
  (reply) => (reply as Reply).status >= 500,
);

export function createPolicies(options: HttpClientOptions): Policies {
  const { name, logger, onStateChange } = options;
  const breakerOptions = options.breaker ?? defaults.breaker;
  const { maxAttempts, initialDelayMs, maxDelayMs } = { ...defaults.retry, ...options.retry };
  const { limit, queue } = options.bulkhead ?? defaults.bulkhead;

  const breaker = circuitBreaker(targetFailure, {
    halfOpenAfter: breakerOptions.halfOpenAfterMs,
    breaker:
      'consecutiveFailures' in breakerOptions
        ? new ConsecutiveBreaker(breakerOptions.consecutiveFailures)
        : new SamplingBreaker({
            threshold: breakerOptions.samplingFailureRate,
            duration: breakerOptions.samplingDurationMs ?? 30_000,
            ...(breakerOptions.minimumRps === undefined ? {} : { minimumRps: breakerOptions.minimumRps }),
          }),
  });
  // cockatiel times the open state with Date.now(), so this does too: a fake Date
  // (node:test mock.timers) then moves both together.
  let openedAt = 0;
  const retryAfterSeconds = (): number =>
    breaker.state === CircuitState.Open
      ? Math.max(1, Math.ceil((openedAt + breakerOptions.halfOpenAfterMs - Date.now()) / 1_000))
      : 1;
  let previous: BreakerState = 'closed';
  breaker.onStateChange((circuitState) => {
    const state = stateNames[circuitState];
    if (state === 'open') openedAt = Date.now();
    const change = { name, state, previous };
    previous = state;
    if (state === 'open') logger?.warn({ target: name, breaker: state, retryAfterSeconds: retryAfterSeconds() }, `circuit to ${name} opened`);
    else logger?.info({ target: name, breaker: state }, `circuit to ${name} is ${state}`);
    onStateChange?.(change);
  });

  // No abort on return: an attempt returns only once the reply's body is read in full (or the
  // request failed), so nothing is left to cancel, and an abort without a reason builds a
  // DOMException per call. A timeout still aborts the attempt's request.
  const attemptTimeout = timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  const retries = retry(targetFailure, {
    // cockatiel counts retries after the first attempt.
    maxAttempts: maxAttempts - 1,
    backoff: new ExponentialBackoff({ initialDelay: initialDelayMs, maxDelay: maxDelayMs }),
  });
  const concurrency = bulkhead(limit, queue);

  // Outermost first. The bulkhead bounds whole calls, retries included, and turns excess away
  // before it reaches the breaker (so overload never counts as the target failing). The breaker
  // sits outside the retry: an open circuit answers at once instead of being retried, and a
  // call whose retries all failed counts as one failure. The timeout is innermost: each attempt
  // gets its own deadline, so a retry after a slow attempt still has its full budget.
  return {
    retrying: wrap(concurrency, breaker, retries, attemptTimeout),
    once: wrap(concurrency, breaker, attemptTimeout),
    state: () => stateNames[breaker.state],
    retryAfterSeconds,
  };
}
