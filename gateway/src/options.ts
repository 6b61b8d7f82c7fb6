import type { Logger } from 'pino';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import type { Guard } from './guard.ts';

export const tuning = Type.Object({
  /** 0 picks a free port (tests). */
  port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080 }),
  host: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /** The routing file the runner writes; watched for changes. */
  routesFile: Type.String({ minLength: 1 }),
  probeIntervalMs: Type.Integer({ minimum: 10, default: 500 }),
  probeTimeoutMs: Type.Integer({ minimum: 10, default: 1_000 }),
  /** Longest wait for response headers, and between two body chunks; past it, 504. */
  upstreamTimeoutMs: Type.Integer({ minimum: 1, default: 30_000 }),
  /** Keep-alive sockets per replica. */
  connectionsPerReplica: Type.Integer({ minimum: 1, default: 128 }),
  /** Requests in flight per upstream socket (1: no pipelining; a lost socket then loses one request). */
  pipelining: Type.Integer({ minimum: 1, default: 1 }),
  /**
   * Largest request body, the services' own default (BODY_LIMIT): larger is a 413 from the gateway,
   * before the service sees it. A service that refuses a body mid-upload closes its connection,
   * which the gateway could only report as a broken exchange (502).
   */
  bodyLimit: Type.Integer({ minimum: 0, default: 1_048_576 }),
  /** Bodies up to this many bytes are buffered so a draining or refused attempt can be resent. */
  replayBodyLimit: Type.Integer({ minimum: 0, default: 1_048_576 }),
  /** Retry-After on the gateway's own 503s. */
  retryAfterSeconds: Type.Integer({ minimum: 1, default: 1 }),
  /** How long close() lets in-flight requests finish before cutting their connections. */
  shutdownTimeoutMs: Type.Integer({ minimum: 0, default: 10_000 }),
  /** Origins (scheme://host:port) whose browser pages may call the API: the web UI's. */
  corsOrigins: Type.Array(Type.String({ pattern: '^https?://[^/?#]+$' }), { default: [] }),
  /** A trusted proxy is in front: keep and extend its `x-forwarded-*`. Off, the client could claim anything. */
  trustForwarded: Type.Boolean({ default: false }),
});

export type Tuning = Static<typeof tuning>;

export type GatewayOptions = Partial<Tuning> &
  Pick<Tuning, 'routesFile'> & {
    /** Admission per routed request (`createAuthGuard`: JWT, roles, rate limits); none admits everything. */
    readonly guard?: Guard;
    readonly logger?: Logger;
  };

export class OptionsError extends Error {
  constructor(problems: readonly string[]) {
    super(`invalid gateway options: ${problems.join('; ')}`);
    this.name = 'OptionsError';
  }
}

/** Defaults applied and every value checked once, at start. */
export function resolveTuning(options: GatewayOptions): Tuning {
  const { guard: _guard, logger: _logger, ...plain } = options;
  const withDefaults = Value.Default(tuning, { ...plain }) as unknown;
  if (!Value.Check(tuning, withDefaults)) {
    throw new OptionsError(Value.Errors(tuning, withDefaults).map((e) => `${e.instancePath.slice(1) || 'options'} ${e.message}`));
  }
  return withDefaults;
}
