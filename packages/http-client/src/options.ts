/** The states a circuit is reported in; cockatiel's "isolated" is never used here. */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface StateChange {
  /** The client's name, e.g. the target service: the label of the breaker-state gauge. */
  readonly name: string;
  readonly state: BreakerState;
  readonly previous: BreakerState;
}

/** The subset of pino's logger the client writes to, so a service passes its own. */
export interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface RetryOptions {
  /** Attempts in all, the first included: 1 means no retry. */
  readonly maxAttempts: number;
  /** First backoff; later ones grow exponentially with decorrelated jitter (cockatiel's default). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

interface BreakerTiming {
  /** How long the circuit stays open before one trial call may go through (half-open). */
  readonly halfOpenAfterMs: number;
}

/** Open after this many failed calls in a row. */
export interface ConsecutiveBreakerOptions extends BreakerTiming {
  readonly consecutiveFailures: number;
}

/** Open when more than this share (0..1) of calls failed over the sampling window. */
export interface SamplingBreakerOptions extends BreakerTiming {
  readonly samplingFailureRate: number;
  readonly samplingDurationMs?: number;
  /** Below this rate of calls the breaker never opens (cockatiel's default: 5 failures/s at the threshold). */
  readonly minimumRps?: number;
}

export interface BulkheadOptions {
  /** Calls in flight at once; also the size of the connection pool. */
  readonly limit: number;
  /** Calls waiting for a slot; past that a call is answered bulkhead-full at once. */
  readonly queue: number;
}

export interface HttpClientOptions {
  /** Names the target in results, errors, logs and metrics, e.g. 'gdmarket-payment'. */
  readonly name: string;
  /** Origin and optional path prefix of the target, from configuration: `http://127.0.0.1:8082/api`. */
  readonly baseUrl: string;
  /** Deadline of one attempt, response body included. */
  readonly timeoutMs: number;
  readonly retry?: RetryOptions;
  readonly breaker?: ConsecutiveBreakerOptions | SamplingBreakerOptions;
  readonly bulkhead?: BulkheadOptions;
  readonly logger?: Logger;
  /** Called after each breaker transition; service-host feeds its circuit-breaker gauge from it. */
  readonly onStateChange?: (change: StateChange) => void;
}

export const defaults = {
  retry: { maxAttempts: 2, initialDelayMs: 50, maxDelayMs: 1_000 },
  breaker: { halfOpenAfterMs: 10_000, consecutiveFailures: 5 },
  bulkhead: { limit: 32, queue: 0 },
} as const satisfies Pick<HttpClientOptions, 'retry' | 'breaker' | 'bulkhead'>;

/** Options are checked once, at construction: a bad value is a configuration error and throws. */
export function validate(options: HttpClientOptions): void {
  const fail = (what: string): never => {
    throw new Error(`http client ${options.name || '(unnamed)'}: ${what}`);
  };
  const positive = (value: number | undefined, what: string, integer = false): void => {
    if (value === undefined) return;
    if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      fail(`${what} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
    }
  };
  if (!options.name) fail('name is required');
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch (cause) {
    throw new Error(`http client ${options.name}: baseUrl ${JSON.stringify(options.baseUrl)} is not a URL`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`baseUrl must be http or https, got ${url.protocol}`);
  if (url.search || url.hash) fail('baseUrl must not carry a query or a fragment');
  if (options.timeoutMs === undefined) fail('timeoutMs is required');
  positive(options.timeoutMs, 'timeoutMs');
  positive(options.retry?.maxAttempts, 'retry.maxAttempts', true);
  if (options.retry?.initialDelayMs !== undefined && options.retry.initialDelayMs < 0) fail('retry.initialDelayMs must be >= 0');
  positive(options.retry?.maxDelayMs, 'retry.maxDelayMs');
  const breaker = options.breaker;
  if (breaker) {
    positive(breaker.halfOpenAfterMs, 'breaker.halfOpenAfterMs');
    if ('consecutiveFailures' in breaker) {
      positive(breaker.consecutiveFailures, 'breaker.consecutiveFailures', true);
    } else {
      const rate = breaker.samplingFailureRate;
      if (!(rate > 0 && rate < 1)) fail(`breaker.samplingFailureRate must be between 0 and 1, got ${rate}`);
      positive(breaker.samplingDurationMs, 'breaker.samplingDurationMs');
      positive(breaker.minimumRps, 'breaker.minimumRps');
    }
  }
  positive(options.bulkhead?.limit, 'bulkhead.limit', true);
  const queue = options.bulkhead?.queue;
  if (queue !== undefined && !(Number.isInteger(queue) && queue >= 0)) fail(`bulkhead.queue must be an integer >= 0, got ${queue}`);
}
