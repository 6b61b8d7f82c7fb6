import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { eventually, tempDir } from '@eventide/testing';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import pino from 'pino';
import {
  clientCredentialsToken,
  readKeyFile,
  resolveSecrets,
  rotateKeys,
  startAuthServer,
  type RunningAuthServer,
} from '../src/index.ts';

describe('the authorization server', () => {
  const dirs: { remove(): void }[] = [];
  const servers: RunningAuthServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const dir of dirs.splice(0)) dir.remove();
  });

  async function start(dataDir?: string, env: Record<string, string> = {}, lines?: string[], port = 0) {
    let path = dataDir;
    if (path === undefined) {
      const dir = tempDir('eventide-auth-');
      dirs.push(dir);
      path = dir.path;
    }
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines?.push(line) });
    const server = await startAuthServer({ dataDir: path, port, env, logger });
    servers.push(server);
    const secrets = await resolveSecrets(server.config, { file: join(path, 'secrets.json'), env, generate: false });
    const token = async (clientId: string, secret = secrets.clients[clientId]!) =>
      (await clientCredentialsToken({ issuer: server.issuer, clientId, clientSecret: secret, resource: server.config.audience })).accessToken;
    return { server, secrets, token, dataDir: path };
  }

  const verify = async (server: RunningAuthServer, token: string): Promise<JWTPayload> =>
    (await jwtVerify(token, createRemoteJWKSet(new URL(`${server.url}/jwks`)), { issuer: server.issuer, audience: server.config.audience, algorithms: ['ES256'], typ: 'at+jwt' })).payload;

  it('gives a machine client a JWT access token for the API, signed with a published key, carrying its roles', async () => {
    const { server, token } = await start();
    const claims = await verify(server, await token('gdmarket-renter'));
    assert.equal(claims.sub, 'gdmarket-renter');
    assert.equal(claims.client_id, 'gdmarket-renter');
    assert.deepEqual(claims.roles, ['gdmarket/renter']);
    assert.equal(claims.exp! - claims.iat!, server.config.accessTokenTtlSeconds);
  });

  it('refuses a wrong client secret and an unknown resource', async () => {
    const { server, token, secrets } = await start();
    await assert.rejects(token('gdmarket-renter', 'not-the-secret-at-all'), /invalid_client/);
    await assert.rejects(
      clientCredentialsToken({ issuer: server.issuer, clientId: 'gdmarket-renter', clientSecret: secrets.clients['gdmarket-renter']!, resource: 'urn:someone:else' }),
      /invalid_target/,
    );
  });

  it('takes a secret from AUTH_SECRET_<ID> over the secrets file, and writes the generated ones with mode 0600', async () => {
    const { token, dataDir } = await start(undefined, { AUTH_SECRET_GDMARKET_RENTER: 'from-the-environment-123' });
    assert.ok(await token('gdmarket-renter', 'from-the-environment-123'));
    assert.equal(statSync(join(dataDir, 'secrets.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'signing-keys.json')).mode & 0o777, 0o600);
  });

  it('fails the start naming the secret when generation is off and none is provided', async () => {
    const dir = tempDir('eventide-auth-');
    dirs.push(dir);
    await assert.rejects(
      startAuthServer({ dataDir: dir.path, port: 0, env: {}, generateSecrets: false, logger: pino({ level: 'silent' }) }),
      /no secret for AUTH_SECRET_GDMARKET_ITEM_MANAGER/,
    );
  });

  it('keeps its signing key across a restart, so tokens issued before stay valid, and never logs the private key', async () => {
    const lines: string[] = [];
    const first = await start(undefined, {}, lines);
    const before = await first.token('gdmarket-item-manager');
    await first.server.close();
    const second = await start(first.dataDir, {}, lines, Number(new URL(first.server.url).port));
    assert.equal(second.server.issuer, first.server.issuer);
    assert.equal(second.server.signingKid(), first.server.signingKid());
    assert.deepEqual((await verify(second.server, before)).roles, ['gdmarket/item-manager']);
    const { d } = (await readKeyFile(second.server.keysFile)).keys[0]!.jwk;
    assert.ok(d);
    assert.ok(lines.length > 0 && lines.every((line) => !line.includes(d)));
  });

  it('signs with the new key after a rotation and keeps the old public key published, so earlier tokens stay valid', async () => {
    const { server, token } = await start();
    const oldKid = server.signingKid();
    const before = await token('gasstation-pos');
    const { kid } = await rotateKeys(server.keysFile, server.config.accessTokenTtlSeconds);
    await eventually(() => assert.equal(server.signingKid(), kid), { within: 5_000, what: 'the server to reload its keys' });
    const after = await token('gasstation-pos');
    assert.equal(decodeProtectedHeader(after).kid, kid);
    const published = ((await (await fetch(`${server.url}/jwks`)).json()) as { keys: { kid: string; d?: string }[] }).keys;
    assert.deepEqual(published.map((k) => k.kid).sort(), [kid, oldKid].sort());
    assert.ok(published.every((k) => k.d === undefined));
    assert.deepEqual((await verify(server, before)).roles, ['gasstation/pos']);
    assert.deepEqual((await verify(server, after)).roles, ['gasstation/pos']);
  });

  it('drops a retired key once every token it signed has expired', async () => {
    const { server } = await start();
    const ttl = server.config.accessTokenTtlSeconds;
    const oldKid = server.signingKid();
    const { kid } = await rotateKeys(server.keysFile, ttl, new Date(Date.now() - (ttl + 61) * 1_000));
    const { kid: newest } = await rotateKeys(server.keysFile, ttl);
    const kept = (await readKeyFile(server.keysFile)).keys.map((k) => k.jwk.kid);
    assert.deepEqual(kept, [newest, kid], `${oldKid} retired long ago is gone`);
  });

  it('signs a person in on its login page (authorization code + PKCE) and gives a token with their roles', async () => {
    const { server, secrets } = await start();
    const jar = new Map<string, string>();
    const go = async (url: string, init: RequestInit = {}) => {
      const response = await fetch(new URL(url, server.url), {
        ...init,
        redirect: 'manual',
        headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
      return response;
    };
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = 'http://localhost:5173/callback';
    const authorize = new URLSearchParams({
      client_id: 'web',
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid profile api',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
    });
    let response = await go(`/auth?${authorize}`);
    assert.equal(response.status, 303);
    const loginPage = response.headers.get('location')!;
    assert.match(loginPage, /^\/interaction\//);
    response = await go(loginPage);
    assert.match(await response.text(), /<form method="post" action="\/interaction\/[^"]+\/login">/);

    const refused = await go(`${loginPage}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'song', password: 'guess' }).toString(),
    });
    assert.equal(refused.status, 401);
    response = await go(`${loginPage}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'song', password: secrets.users.song! }).toString(),
    });
    // login → authorization → consent (given at once) → authorization → back to the client with a code
    let location = response.headers.get('location')!;
    for (let hop = 0; hop < 6 && !location.startsWith(redirectUri); hop += 1) {
      response = await go(location);
      location = response.headers.get('location')!;
    }
    const back = new URL(location);
    assert.equal(back.searchParams.get('state'), 'st-1');
    const code = back.searchParams.get('code');
    assert.ok(code, location);

    const withoutVerifier = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: 'web' }),
    });
    assert.equal(withoutVerifier.status, 400);
    const exchanged = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: 'web', code_verifier: verifier }),
    });
    const body = (await exchanged.json()) as { access_token: string };
    assert.equal(exchanged.status, 200, JSON.stringify(body));
    const claims = await verify(server, body.access_token);
    assert.equal(claims.sub, 'song');
    assert.deepEqual(claims.roles, ['gdmarket/renter']);
  });

  it('refuses a configuration whose client and user share an id', async () => {
    const dir = tempDir('eventide-auth-');
    dirs.push(dir);
    const configFile = join(dir.path, 'config.json');
    writeFileSync(configFile, JSON.stringify({ audience: 'urn:x:api', accessTokenTtlSeconds: 60, clients: [{ id: 'sam', roles: [] }], users: [{ id: 'sam', name: 'Sam', roles: [] }] }));
    await assert.rejects(startAuthServer({ dataDir: dir.path, configFile, port: 0, logger: pino({ level: 'silent' }) }), /sam named twice/);
  });
});
