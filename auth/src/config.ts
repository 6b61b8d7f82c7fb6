import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '@eventide/core';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/**
 * Who may get tokens, declared in a file under the repository (`auth/config/demo.json`): machine
 * clients (client_credentials), public clients (authorization code + PKCE, e.g. the web UI) and
 * people, each with roles named `<system>/<role>`. Secrets never appear in it: see `resolveSecrets`.
 */
const role = Type.String({ pattern: '^[a-z0-9-]+/[a-z0-9-]+$' });
const id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' });

const client = Type.Object(
  {
    id,
    roles: Type.Array(role),
    /** Public: no secret, authorization code + PKCE only (a browser app); otherwise client_credentials with a secret. */
    public: Type.Optional(Type.Boolean()),
    redirectUris: Type.Optional(Type.Array(Type.String({ pattern: '^https?://' }))),
  },
  { additionalProperties: false },
);

const user = Type.Object({ id, name: Type.String({ minLength: 1 }), roles: Type.Array(role) }, { additionalProperties: false });

export const authConfigSchema = Type.Object(
  {
    $comment: Type.Optional(Type.String()),
    /** The resource indicator of the API behind the gateway: the `aud` of every access token. */
    audience: Type.String({ pattern: '^[a-z][a-z0-9+.-]*:' }),
    accessTokenTtlSeconds: Type.Integer({ minimum: 30, maximum: 86_400 }),
    clients: Type.Array(client),
    users: Type.Array(user),
  },
  { additionalProperties: false },
);

export type AuthConfig = Static<typeof authConfigSchema>;
export type ClientConfig = Static<typeof client>;
export type UserConfig = Static<typeof user>;

export const defaultConfigFile = new URL('../config/demo.json', import.meta.url).pathname;

export async function readAuthConfig(file: string): Promise<AuthConfig> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AppError('validation', `auth configuration ${file} could not be read: ${(error as Error).message}`);
  }
  if (!Value.Check(authConfigSchema, document)) {
    const problems = Value.Errors(authConfigSchema, document).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new AppError('validation', `auth configuration ${file}: ${problems.join('; ')}`);
  }
  const ids = [...document.clients.map((c) => c.id), ...document.users.map((u) => u.id)];
  const twice = ids.filter((name, i) => ids.indexOf(name) !== i);
  if (twice.length > 0) throw new AppError('validation', `auth configuration ${file}: ${twice.join(', ')} named twice (client and user ids share one namespace)`);
  for (const c of document.clients) {
    if (c.public === true && (c.redirectUris ?? []).length === 0) throw new AppError('validation', `auth configuration ${file}: public client ${c.id} needs redirectUris`);
  }
  return document;
}

/** Client secrets, user passwords and the cookie signing keys, by name. */
export interface Secrets {
  readonly clients: Readonly<Record<string, string>>;
  readonly users: Readonly<Record<string, string>>;
  readonly cookieKeys: readonly string[];
}

/** `AUTH_SECRET_GDMARKET_RENTER` for client or user `gdmarket-renter`. */
export const secretVariable = (name: string): string => `AUTH_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

const secretsFileSchema = Type.Object({
  clients: Type.Record(Type.String(), Type.String({ minLength: 16 })),
  users: Type.Record(Type.String(), Type.String({ minLength: 8 })),
  cookieKeys: Type.Array(Type.String({ minLength: 32 })),
});

const generated = (): string => randomBytes(24).toString('base64url');

/**
 * Each secret from the environment (`AUTH_SECRET_<ID>`) when set, else from the secrets file.
 * With `generate` (the demo, the runner), whatever neither holds is created at random and written
 * to the file (mode 0600), so `npm run token` and a second start find the same values; without it
 * (a cluster, where a Secret is mounted) a missing one fails the start, naming it.
 */
export async function resolveSecrets(
  config: AuthConfig,
  options: { readonly file: string; readonly env: Readonly<Record<string, string | undefined>>; readonly generate: boolean },
): Promise<Secrets> {
  let stored: Static<typeof secretsFileSchema> = { clients: {}, users: {}, cookieKeys: [] };
  try {
    const document: unknown = JSON.parse(await readFile(options.file, 'utf8'));
    if (!Value.Check(secretsFileSchema, document)) throw new AppError('validation', `secrets file ${options.file} is not a secrets document`);
    stored = document;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let changed = false;
  const missing: string[] = [];
  const pick = (name: string, from: Record<string, string>): string => {
    const value = options.env[secretVariable(name)] ?? from[name];
    if (value !== undefined && value !== '') return value;
    if (!options.generate) {
      missing.push(secretVariable(name));
      return '';
    }
    changed = true;
    return (from[name] = generated());
  };
  const clients = Object.fromEntries(config.clients.filter((c) => c.public !== true).map((c) => [c.id, pick(c.id, stored.clients)]));
  const users = Object.fromEntries(config.users.map((u) => [u.id, pick(u.id, stored.users)]));
  if (stored.cookieKeys.length === 0) {
    if (options.generate) {
      stored.cookieKeys.push(randomBytes(32).toString('base64url'));
      changed = true;
    } else missing.push('cookieKeys');
  }
  if (missing.length > 0) throw new AppError('validation', `no secret for ${missing.join(', ')}: set the variables or put them in ${options.file}`);
  if (changed) {
    await mkdir(dirname(options.file), { recursive: true, mode: 0o700 });
    const temp = `${options.file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, options.file);
  }
  return { clients, users, cookieKeys: stored.cookieKeys };
}

/** The first machine client holding `<system>/<role>`: what `npm run token -- <system> <role>` uses. */
export function machineClientFor(config: AuthConfig, system: string, roleName: string): ClientConfig {
  const wanted = `${system}/${roleName}`;
  const found = config.clients.find((c) => c.public !== true && c.roles.includes(wanted));
  if (found === undefined) {
    const known = [...new Set(config.clients.filter((c) => c.public !== true).flatMap((c) => c.roles))].sort();
    throw new AppError('not_found', `no client with role ${wanted}; configured: ${known.join(', ')}`);
  }
  return found;
}
