import pino from 'pino';
import Type from 'typebox';
import { isAppError } from '@eventide/core';
import { readEnvironment, runProcess } from '@eventide/service-host/process';
import { defaultConfigFile } from './config.ts';
import { startAuthServer } from './server.ts';

/** The authorization server process: configuration from the environment, validated once. */
const environment = Type.Object({
  /** Keys and generated secrets; the runner passes `<data>/auth`. */
  AUTH_DATA_DIR: Type.String({ minLength: 1 }),
  AUTH_CONFIG_FILE: Type.String({ minLength: 1, default: defaultConfigFile }),
  /** Default `<AUTH_DATA_DIR>/secrets.json`; a mounted Secret in a cluster. */
  AUTH_SECRETS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Create missing secrets into the secrets file (the demo); `false` where they are provided. */
  AUTH_GENERATE_SECRETS: Type.Boolean({ default: true }),
  /** Default `http://HOST:PORT`; the URL clients and the gateway know the server by. */
  AUTH_ISSUER: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+(/[^?#]*[^/?#])?$' })),
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 8089 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
});

await runProcess(
  'auth',
  async () => {
    const env = readEnvironment(environment);
    const log = pino({ level: env.LOG_LEVEL, base: { service: 'auth' } });
    const server = await startAuthServer({
      dataDir: env.AUTH_DATA_DIR,
      configFile: env.AUTH_CONFIG_FILE,
      ...(env.AUTH_SECRETS_FILE === undefined ? {} : { secretsFile: env.AUTH_SECRETS_FILE }),
      generateSecrets: env.AUTH_GENERATE_SECRETS,
      port: env.PORT,
      host: env.HOST,
      ...(env.AUTH_ISSUER === undefined ? {} : { issuer: env.AUTH_ISSUER }),
      logger: log,
    });
    return { log, stopWithinMs: 5_000, close: () => server.close() };
  },
  // A configuration file or client the server cannot take.
  (error) => (isAppError(error) ? error.message : undefined),
);
