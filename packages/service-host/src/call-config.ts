import type { HttpClientOptions } from '@eventide/http-client';
import Type, { type Static, type TInteger, type TObject, type TString } from 'typebox';

type Setting = 'TIMEOUT_MS' | 'RETRY_ATTEMPTS' | 'BREAKER_FAILURES' | 'HALF_OPEN_AFTER_MS' | 'MAX_IN_FLIGHT' | 'MAX_QUEUED';

/** `<PREFIX>_URL` and `<PREFIX>_<SETTING>`: the variables of one synchronous call. */
export type CallVariables<P extends string> = { [K in `${P}_URL`]: TString } & { [K in `${P}_${Setting}`]: TInteger };

/** The defaults of one call's variables; only the URL has none in the platform. */
export interface CallDefaults {
  readonly url: string;
  readonly timeoutMs?: number;
  readonly retryAttempts?: number;
  readonly breakerFailures?: number;
  readonly halfOpenAfterMs?: number;
  readonly maxInFlight?: number;
  readonly maxQueued?: number;
}

export interface CallConfig<P extends string> {
  /** Spread its properties into the service's config schema: `Type.Object({ ...call.schema.properties, … })`. */
  readonly schema: TObject<CallVariables<P>>;
  /** The resilient client's options from the loaded configuration, for `context.httpClient`. */
  options(config: Static<TObject<CallVariables<P>>>): Omit<HttpClientOptions, 'logger' | 'onStateChange'>;
}

/**
 * The configuration of a service's synchronous call to another (`callConfig('PAYMENT', …)`): where
 * it listens, the deadline of one attempt, attempts in all, failures in a row that open the circuit,
 * how long it stays open before a trial call, calls in flight and calls waiting for a slot (past
 * those, the call answers unavailable at once). The client is named after the prefix in lower case
 * (`payment`): that names it in errors, logs and the breaker gauge.
 */
export function callConfig<P extends string>(prefix: P, defaults: CallDefaults): CallConfig<P> {
  const variable = <S extends Setting | 'URL'>(setting: S) => `${prefix}_${setting}` as const;
  const schema = Type.Object({
    /** Where the called service listens; the runner sets it. */
    [variable('URL')]: Type.String({ default: defaults.url, pattern: '^https?://' }),
    /** Deadline of one attempt, response body included. */
    [variable('TIMEOUT_MS')]: Type.Integer({ minimum: 1, default: defaults.timeoutMs ?? 2_000 }),
    /** Attempts in all, the first included; only idempotent calls are retried. */
    [variable('RETRY_ATTEMPTS')]: Type.Integer({ minimum: 1, maximum: 10, default: defaults.retryAttempts ?? 2 }),
    /** Failed calls in a row that open the circuit. */
    [variable('BREAKER_FAILURES')]: Type.Integer({ minimum: 1, default: defaults.breakerFailures ?? 5 }),
    /** How long the circuit stays open before one trial call goes through (half-open). */
    [variable('HALF_OPEN_AFTER_MS')]: Type.Integer({ minimum: 1, default: defaults.halfOpenAfterMs ?? 10_000 }),
    /** Calls in flight at once (and the connection pool). */
    [variable('MAX_IN_FLIGHT')]: Type.Integer({ minimum: 1, default: defaults.maxInFlight ?? 32 }),
    /** Calls waiting for a slot; past this a call answers unavailable (503 + Retry-After) at once. */
    [variable('MAX_QUEUED')]: Type.Integer({ minimum: 0, default: defaults.maxQueued ?? 0 }),
  }) as unknown as TObject<CallVariables<P>>;
  return {
    schema,
    options: (config) => {
      const value = (setting: Setting): number => (config as Record<string, number>)[variable(setting)]!;
      return {
        name: prefix.toLowerCase(),
        baseUrl: (config as Record<string, string>)[variable('URL')]!,
        timeoutMs: value('TIMEOUT_MS'),
        retry: { maxAttempts: value('RETRY_ATTEMPTS') },
        breaker: { consecutiveFailures: value('BREAKER_FAILURES'), halfOpenAfterMs: value('HALF_OPEN_AFTER_MS') },
        bulkhead: { limit: value('MAX_IN_FLIGHT'), queue: value('MAX_QUEUED') },
      };
    },
  };
}
