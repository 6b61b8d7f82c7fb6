import envSchema from 'env-schema';
import Type, { type Static, type TObject, type TProperties } from 'typebox';

/**
 * Configuration comes from environment variables only (a ConfigMap/Secret on Kubernetes), is
 * validated once at start, and a bad value stops the process with one line naming the variable.
 */
export const platformConfig = Type.Object({
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65_535 }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), {
    default: 'info',
  }),
  /** Root of every embedded file (service stores, the embedded bus). */
  DATA_DIR: Type.String({ default: '.data', minLength: 1 }),
  /** `sqlite:<path>`, `postgres://…` or `mysql://…`; defaults to a SQLite file under DATA_DIR. */
  STORE_URL: Type.Optional(Type.String({ pattern: '^(sqlite|postgres|postgresql|mysql|mariadb):' })),
  /** Where read models live: `redis://…`; defaults to the service's own store. */
  READ_MODEL_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  BUS: Type.Union([Type.Literal('embedded'), Type.Literal('kafka')], { default: 'embedded' }),
  /** The embedded bus's SQLite file; defaults to DATA_DIR/bus.db, shared by every service of the run. */
  BUS_PATH: Type.Optional(Type.String({ minLength: 1 })),
  /** Comma-separated host:port list; required when BUS=kafka. */
  KAFKA_BROKERS: Type.Optional(Type.String({ pattern: '^[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*$' })),
  /** How long SIGTERM may take: drain requests, flush the outbox, commit offsets. */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /**
   * After SIGTERM, how long the service keeps its port open while answering not-ready and 503
   * (x-draining) before it closes: time for a load balancer to notice (a preStop delay).
   */
  DRAIN_DELAY_MS: Type.Integer({ minimum: 0, default: 0 }),
  /** Largest request body accepted, in bytes; larger ones get 413. */
  BODY_LIMIT: Type.Integer({ minimum: 1_024, default: 1_048_576 }),
  /** Attempts a message handler gets before its message goes to the dead-letter topic. */
  HANDLER_MAX_ATTEMPTS: Type.Integer({ minimum: 1, default: 5 }),
});

export type PlatformConfig = Static<typeof platformConfig>;

export class ConfigError extends Error {
  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** One phrase per variable; a union's per-branch `const` errors become one "must be one of". */
function describe(errors: readonly AjvError[], env: Record<string, string | undefined>): string[] {
  const phrases = new Map<string, string>();
  const allowed = new Map<string, unknown[]>();
  for (const error of errors) {
    if (error.keyword === 'required') {
      const name = String(error.params.missingProperty);
      phrases.set(name, `${name} is required`);
      continue;
    }
    const name = error.instancePath.replace(/^\//, '').split('/')[0] ?? '';
    const got = `(got ${JSON.stringify(env[name])})`;
    if (error.keyword === 'const') {
      allowed.set(name, [...(allowed.get(name) ?? []), error.params.allowedValue]);
      phrases.set(name, `${name} must be one of ${allowed.get(name)?.join(', ')} ${got}`);
    } else if (error.keyword !== 'anyOf' && !phrases.has(name)) {
      phrases.set(name, `${name} ${error.message} ${got}`);
    }
  }
  return [...phrases.values()];
}

/**
 * Reads the variables a schema declares, with defaults applied and numbers and booleans coerced; an
 * empty variable counts as unset. A bad value throws ConfigError with one phrase per variable.
 * `defaults` stand below the environment, e.g. a service's seed port `{ PORT: 8081 }`.
 */
export function readEnvironment<S extends TObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
  defaults: Partial<Record<string, string | number>> = {},
): Static<S> {
  const data: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') data[key] = value;
  try {
    return envSchema({ schema, data, env: false, dotenv: false }) as Static<S>;
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (!errors) throw error;
    throw new ConfigError(describe(errors, env));
  }
}

/** Reads the platform's variables plus a service's own (`extra`); see readEnvironment. */
export function loadConfig<P extends TProperties = {}>(
  env: Record<string, string | undefined>,
  options: { extra?: TObject<P>; defaults?: Partial<Record<string, string | number>> } = {},
): PlatformConfig & Static<TObject<P>> {
  const schema = Type.Object({ ...platformConfig.properties, ...(options.extra?.properties ?? {}) });
  const config = readEnvironment(schema, env, options.defaults) as PlatformConfig & Static<TObject<P>>;
  if (config.BUS === 'kafka' && !config.KAFKA_BROKERS) throw new ConfigError(['KAFKA_BROKERS is required when BUS=kafka']);
  return config;
}
