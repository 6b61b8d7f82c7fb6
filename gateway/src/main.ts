import pino from 'pino';
import Type, { type Static } from 'typebox';
import { ConfigError, readEnvironment, runProcess } from '@eventide/service-host/process';
import { createAuthGuard } from './auth-guard.ts';
import { startGateway } from './gateway.ts';
import { OptionsError } from './options.ts';
import { RoutesError } from './routes.ts';

/**
 * The gateway process: configuration from the environment (the runner's, or a ConfigMap's),
 * validated once; SIGTERM/SIGINT drains within SHUTDOWN_TIMEOUT_MS.
 */
const environment = Type.Object({
  GATEWAY_ROUTES_FILE: Type.String({ minLength: 1 }),
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  GATEWAY_PROBE_INTERVAL_MS: Type.Integer({ minimum: 10, default: 500 }),
  GATEWAY_UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 30_000 }),
  /** The services' variable, so one setting raises both: a body the gateway refuses never reaches a service. */
  BODY_LIMIT: Type.Integer({ minimum: 0, default: 1_048_576 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  /** On unless said otherwise: every routed request needs a valid access token. */
  GATEWAY_AUTH: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  GATEWAY_AUTH_ISSUER: Type.Optional(Type.String({ pattern: '^https?://' })),
  GATEWAY_AUTH_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  /** Default: `<issuer>/jwks`. */
  GATEWAY_AUTH_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Asymmetric algorithms only, comma-separated: a symmetric one would let anyone holding the public key sign. */
  GATEWAY_AUTH_ALGORITHMS: Type.String({ pattern: '^(ES256|ES384|ES512|EdDSA|Ed25519|RS256|PS256)(,(ES256|ES384|ES512|EdDSA|Ed25519|RS256|PS256))*$', default: 'ES256' }),
  GATEWAY_AUTH_CLOCK_TOLERANCE_S: Type.Integer({ minimum: 0, maximum: 300, default: 5 }),
  GATEWAY_TOKEN_CACHE: Type.Integer({ minimum: 0, default: 10_000 }),
  GATEWAY_JWKS_COOLDOWN_MS: Type.Integer({ minimum: 0, default: 1_000 }),
  /**
   * Per client and route, `<requests>/<seconds>`, or `off`; a route or rule of the routing file may
   * set its own. The default is a ceiling against a runaway client, above what one client of these
   * systems does; a tighter limit belongs on the rule that needs it.
   */
  GATEWAY_RATE_LIMIT: Type.String({ pattern: '^(off|[1-9][0-9]*/[1-9][0-9]*)$', default: '5000/1' }),
  /** Comma-separated origins of the web UI. */
  GATEWAY_CORS_ORIGINS: Type.String({ default: '' }),
  GATEWAY_TRUST_FORWARDED: Type.Boolean({ default: false }),
});

function guardFrom(config: Static<typeof environment>) {
  if (config.GATEWAY_AUTH === 'off') return undefined;
  const { GATEWAY_AUTH_ISSUER: issuer, GATEWAY_AUTH_AUDIENCE: audience } = config;
  if (issuer === undefined || audience === undefined) {
    throw new ConfigError(['GATEWAY_AUTH is on: set GATEWAY_AUTH_ISSUER and GATEWAY_AUTH_AUDIENCE (or GATEWAY_AUTH=off)']);
  }
  const [requests, perSeconds] = config.GATEWAY_RATE_LIMIT.split('/').map(Number);
  return createAuthGuard({
    issuer,
    audience,
    jwksUrl: config.GATEWAY_AUTH_JWKS_URL ?? `${issuer.replace(/\/$/, '')}/jwks`,
    algorithms: config.GATEWAY_AUTH_ALGORITHMS.split(','),
    clockToleranceSeconds: config.GATEWAY_AUTH_CLOCK_TOLERANCE_S,
    cacheSize: config.GATEWAY_TOKEN_CACHE,
    jwksCooldownMs: config.GATEWAY_JWKS_COOLDOWN_MS,
    defaultRateLimit: config.GATEWAY_RATE_LIMIT === 'off' ? undefined : { requests: requests!, perSeconds: perSeconds! },
  });
}

await runProcess(
  'gateway',
  async () => {
    const env = readEnvironment(environment);
    const guard = guardFrom(env);
    const log = pino({ level: env.LOG_LEVEL, base: { service: 'gateway' } });
    const gateway = await startGateway({
      routesFile: env.GATEWAY_ROUTES_FILE,
      port: env.PORT,
      host: env.HOST,
      probeIntervalMs: env.GATEWAY_PROBE_INTERVAL_MS,
      upstreamTimeoutMs: env.GATEWAY_UPSTREAM_TIMEOUT_MS,
      bodyLimit: env.BODY_LIMIT,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      corsOrigins: env.GATEWAY_CORS_ORIGINS.split(',').map((o) => o.trim()).filter((o) => o !== ''),
      trustForwarded: env.GATEWAY_TRUST_FORWARDED,
      ...(guard === undefined ? {} : { guard }),
      logger: log,
    });
    log.info({ auth: env.GATEWAY_AUTH, issuer: env.GATEWAY_AUTH_ISSUER }, guard === undefined ? 'access tokens are not checked (GATEWAY_AUTH=off)' : 'access tokens are checked');
    // The gateway drains within SHUTDOWN_TIMEOUT_MS itself; the extra second lets it log and exit 0.
    return { log, stopWithinMs: env.SHUTDOWN_TIMEOUT_MS + 1_000, close: () => gateway.close() };
  },
  (error) => {
    if (error instanceof RoutesError || error instanceof OptionsError) return error.message;
    const { code, path } = error as NodeJS.ErrnoException;
    return code === 'ENOENT' ? `routing file ${path} does not exist` : undefined;
  },
);
