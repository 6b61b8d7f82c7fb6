import closeWithGrace from 'close-with-grace';
import envSchema from 'env-schema';
import pino from 'pino';
import Type, { type Static } from 'typebox';
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
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10_000 }),
});

function fail(message: string): never {
  process.stderr.write(`gateway: ${message}\n`);
  process.exit(1);
}

let env: Static<typeof environment>;
try {
  env = envSchema({ schema: environment, dotenv: false });
} catch (error) {
  fail((error as Error).message);
}

const log = pino({ level: env.LOG_LEVEL, base: { service: 'gateway' } });
let gateway;
try {
  gateway = await startGateway({
    routesFile: env.GATEWAY_ROUTES_FILE,
    port: env.PORT,
    host: env.HOST,
    probeIntervalMs: env.GATEWAY_PROBE_INTERVAL_MS,
    upstreamTimeoutMs: env.GATEWAY_UPSTREAM_TIMEOUT_MS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    logger: log,
  });
} catch (error) {
  if (error instanceof RoutesError || error instanceof OptionsError) fail(error.message);
  const { code } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT') fail(`routing file ${env.GATEWAY_ROUTES_FILE} does not exist`);
  if (code === 'EADDRINUSE') fail(`${env.HOST}:${env.PORT} is already in use`);
  throw error;
}

const running = gateway;
closeWithGrace({ delay: env.SHUTDOWN_TIMEOUT_MS + 1_000, logger: log }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'stopping after an unexpected error');
  else log.info({ signal }, 'draining');
  await running.close();
});
