import { once } from 'node:events';
import { watch } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import type Provider from 'oidc-provider';
import pino, { type Logger } from 'pino';
import { readAuthConfig, resolveSecrets, defaultConfigFile, type AuthConfig } from './config.ts';
import { interactionHandler } from './login.ts';
import { loadOrCreateKeys, readKeyFile } from './keys.ts';
import { createProvider } from './provider.ts';
import { createAdapterStore } from './storage.ts';

export interface AuthServerOptions {
  /** Keys (`signing-keys.json`) and generated secrets (`secrets.json`) live here. */
  readonly dataDir: string;
  readonly configFile?: string;
  /** Default: `<dataDir>/secrets.json`. */
  readonly secretsFile?: string;
  /** Create the secrets nobody provided (the demo); false in a cluster, where they are mounted. */
  readonly generateSecrets?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly port?: number;
  readonly host?: string;
  /** Default: `http://<host>:<port>` once listening. */
  readonly issuer?: string;
  readonly logger?: Logger;
}

export interface RunningAuthServer {
  readonly url: string;
  readonly issuer: string;
  readonly config: AuthConfig;
  readonly keysFile: string;
  /** The kid that signs now. */
  signingKid(): string;
  /** Re-reads the key file and signs with its first key; done by itself when the file changes. */
  reloadKeys(): Promise<void>;
  close(): Promise<void>;
}

export const keysFileIn = (dataDir: string): string => join(dataDir, 'signing-keys.json');
export const secretsFileIn = (dataDir: string): string => join(dataDir, 'secrets.json');

/**
 * The authorization server: oidc-provider (issuer, discovery, `/jwks`, `/token`, `/auth`, …)
 * behind node:http, plus `/health/live`, `/health/ready` and the login page under `/interaction/`.
 */
export async function startAuthServer(options: AuthServerOptions): Promise<RunningAuthServer> {
  const log = options.logger ?? pino({ level: 'info', base: { service: 'auth' } });
  const config = await readAuthConfig(options.configFile ?? defaultConfigFile);
  const secrets = await resolveSecrets(config, {
    file: options.secretsFile ?? secretsFileIn(options.dataDir),
    env: options.env ?? process.env,
    generate: options.generateSecrets ?? true,
  });
  const keysFile = keysFileIn(options.dataDir);
  let keys = await loadOrCreateKeys(keysFile, config.accessTokenTtlSeconds);

  const host = options.host ?? '127.0.0.1';
  let provider: Provider | undefined;
  let handle: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  const interaction = interactionHandler(() => provider!, config, secrets, log);

  const server = createServer({ keepAliveTimeout: 72_000 }, (request, response) => {
    const url = request.url ?? '/';
    if (url === '/health/live' || url === '/health/ready') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP"}');
      return;
    }
    if (url.startsWith('/interaction/')) {
      interaction(request, response).catch((error: unknown) => {
        log.warn({ err: error }, 'interaction failed');
        if (!response.headersSent) response.writeHead(400, { 'content-type': 'text/plain' }).end('this sign-in has expired or is invalid; start again from the application');
      });
      return;
    }
    handle!(request, response);
  });
  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  const issuer = options.issuer ?? url;

  const store = createAdapterStore();
  const install = (): void => {
    provider = createProvider(issuer, config, secrets, keys, store);
    provider.on('server_error', (_ctx, error) => log.error({ err: error }, 'authorization server error'));
    const callback = provider.callback();
    // Koa answers its own errors; the promise only says when it is done.
    handle = (request, response) => void callback(request, response);
  };
  install();

  const reloadKeys = async (): Promise<void> => {
    const next = await readKeyFile(keysFile);
    if (next.keys[0]?.jwk.kid === keys.keys[0]?.jwk.kid && next.keys.length === keys.keys.length) return;
    keys = next;
    install();
    log.info({ signingKid: keys.keys[0]?.jwk.kid, published: keys.keys.map((k) => k.jwk.kid) }, 'signing keys reloaded');
  };

  // The rotate command replaces the file by rename: watch the directory, as the gateway does its routes.
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(keysFile), { persistent: false }, (_event, name) => {
    if (name !== basename(keysFile)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      reloadKeys().catch((error: unknown) => log.error({ err: error }, 'signing keys could not be reloaded; the previous ones stay'));
    }, 25);
  });

  log.info({ url, issuer, signingKid: keys.keys[0]?.jwk.kid }, 'authorization server listening');
  return {
    url,
    issuer,
    config,
    keysFile,
    signingKid: () => keys.keys[0]!.jwk.kid,
    reloadKeys,
    async close() {
      clearTimeout(timer);
      watcher.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
    },
  };
}
