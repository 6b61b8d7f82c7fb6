import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { createAuthGuard, type AuthGuardOptions, type RoutesDocument } from '../src/index.ts';
import { call, startHarness, type Answer, type Harness } from './support/harness.ts';
import { audience, issuerId, newKey, startIssuer, type FakeIssuer } from './support/issuer.ts';
import { startFakeService, type FakeService } from './support/upstream.ts';

const routes = (service: FakeService): RoutesDocument => ({
  routes: [
    {
      prefix: '/shop/items',
      service: 'shop/item',
      stripPrefix: '/shop',
      access: [
        { methods: ['GET'], path: '/**', roles: ['shop/*'] },
        { methods: ['POST'], path: '/items', roles: ['shop/manager'] },
        { methods: ['PATCH', 'DELETE'], path: '/items/*', roles: ['shop/manager'] },
      ],
    },
    { prefix: '/limited', service: 'shop/item', rateLimit: { requests: 3, perSeconds: 60 } },
    { prefix: '/open', service: 'shop/item' },
  ],
  upstreams: { 'shop/item': [service.url] },
});

describe('the gateway checks access tokens, roles and rate limits', () => {
  let issuer: FakeIssuer;
  let service: FakeService;
  let harness: Harness | undefined;
  let clock: number | undefined;

  async function start(overrides: Partial<AuthGuardOptions> = {}, gatewayOptions: Record<string, unknown> = {}): Promise<string> {
    issuer = await startIssuer();
    service = await startFakeService('s');
    const guard = createAuthGuard(
      {
        issuer: issuerId,
        audience,
        jwksUrl: issuer.jwksUrl,
        algorithms: ['ES256'],
        clockToleranceSeconds: 5,
        cacheSize: 100,
        jwksCooldownMs: 0,
        defaultRateLimit: undefined,
        ...overrides,
      },
      () => clock ?? Date.now(),
    );
    harness = await startHarness(routes(service), { guard, ...gatewayOptions });
    return harness.gateway.url;
  }

  afterEach(async () => {
    await harness?.close();
    await service.close();
    await issuer.close();
    harness = undefined;
    clock = undefined;
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const seenHeaders = (answer: Answer) => answer.json<{ headers: Record<string, string> }>().headers;

  it('admits a valid token of an allowed role and tells the service who called, over what the client claimed', async () => {
    const base = await start();
    const token = await issuer.token({ sub: 'kim', client_id: 'web', roles: ['shop/manager'] });
    const created = await call(`${base}/shop/items`, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: '{}' });
    assert.equal(created.status, 201);
    const read = await call(`${base}/shop/items/1`, {
      headers: { ...bearer(token), 'x-auth-subject': 'admin', 'x-auth-roles': 'shop/owner', 'x-auth-tenant': 'other' },
    });
    assert.equal(read.status, 200);
    const seen = seenHeaders(read);
    assert.equal(seen['x-auth-subject'], 'kim');
    assert.equal(seen['x-auth-client-id'], 'web');
    assert.equal(seen['x-auth-roles'], 'shop/manager');
    assert.equal(seen['x-auth-tenant'], undefined);
  });

  it('refuses each bad token with 401 and WWW-Authenticate, and none reaches the service', async () => {
    const base = await start();
    const other = await newKey();
    const now = Date.now();
    const [header, payload] = (await issuer.token({ roles: ['shop/manager'] })).split('.') as [string, string];
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const hmacWithPublicKey = (() => {
      const head = encode({ alg: 'HS256', typ: 'at+jwt', kid: issuer.published[0]!.kid });
      const secret = JSON.stringify(issuer.published[0]!.publicJwk);
      return `${head}.${payload}.${createHmac('sha256', secret).update(`${head}.${payload}`).digest('base64url')}`;
    })();
    const cases: [string, string | undefined, RegExp][] = [
      ['no token', undefined, /^Bearer realm="eventide" an access token is required/],
      ['not a Bearer token', 'Basic a2ltOnB3', /error="invalid_token"/],
      ['a malformed token', 'Bearer not.a.jwt', /error="invalid_token"/],
      ['an expired token', `Bearer ${await issuer.token({ exp: Math.floor(now / 1_000) - 60 })}`, /expired/],
      ['a token not valid yet', `Bearer ${await issuer.token({ nbf: Math.floor(now / 1_000) + 60 })}`, /not valid yet/],
      ['a token of another issuer', `Bearer ${await issuer.token({ iss: 'https://evil.test' })}`, /iss/],
      ['a token for another audience', `Bearer ${await issuer.token({ aud: 'urn:other:api' })}`, /aud/],
      ['a token signed with another key under a published kid', `Bearer ${await issuer.token({}, { key: other, kid: issuer.published[0]!.kid })}`, /signature/],
      ['a token signed with an unpublished key', `Bearer ${await issuer.token({}, { key: other })}`, /does not publish/],
      ['alg: none', `Bearer ${encode({ alg: 'none', typ: 'at+jwt' })}.${payload}.`, /algorithm/],
      ['HS256 signed with the public key', `Bearer ${hmacWithPublicKey}`, /algorithm/],
      ['a token that is not an access token (typ)', `Bearer ${await issuer.token({}, { typ: null })}`, /typ/],
      ['a token whose payload was altered', `Bearer ${header}.${encode({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), roles: ['shop/owner'] })}.${(await issuer.token()).split('.')[2]}`, /signature/],
    ];
    for (const [what, authorization, challenge] of cases) {
      const answer = await call(`${base}/shop/items/1`, { headers: authorization === undefined ? {} : { authorization } });
      assert.equal(answer.status, 401, what);
      assert.equal(answer.headers['content-type'], 'application/problem+json', what);
      const wwwAuthenticate = String(answer.headers['www-authenticate']);
      assert.match(`${wwwAuthenticate} ${answer.json().detail as string}`, challenge, what);
      assert.match(wwwAuthenticate, /^Bearer realm="eventide"/, what);
    }
    assert.equal(service.seen.length, 0);
  });

  it('answers 403 to a valid token whose role the rule does not allow, also when the path is spelled differently', async () => {
    const base = await start();
    const renter = bearer(await issuer.token({ sub: 'song', roles: ['shop/renter'] }));
    for (const [method, path] of [
      ['POST', '/shop/items'],
      ['POST', '/shop/items/'],
      ['POST', '/shop/%69tems'],
      ['POST', '/shop/item%73'],
      ['PATCH', '/shop/items/%31'],
      ['DELETE', '/shop/items/1'],
      ['PUT', '/shop/items/1'],
    ] as const) {
      const body = method === 'DELETE' ? {} : { headers: { ...renter, 'content-type': 'application/json' }, body: '{}' };
      const answer = await call(`${base}${path}`, { method, headers: renter, ...body });
      assert.equal(answer.status, 403, `${method} ${path}`);
      assert.match(String(answer.headers['www-authenticate']), /insufficient_scope/);
    }
    // Reads are open to any role of the shop, not to a token of another system.
    const stranger = bearer(await issuer.token({ sub: 'lee', roles: ['garage/mechanic', 'shopkeeper/clerk'] }));
    assert.equal((await call(`${base}/shop/items/1`, { headers: stranger })).status, 403);
    assert.equal(service.seen.length, 0);
    assert.equal((await call(`${base}/shop/%69tems/1`, { headers: renter })).status, 200);
    assert.equal(service.seen.at(-1)?.url, '/items/1', 'the service sees the normalised path');
  });

  it('refuses paths the gateway and a service could read differently, before any token is looked at', async () => {
    const base = await start();
    const manager = bearer(await issuer.token({ roles: ['shop/manager'] }));
    for (const path of ['/shop/items%2F1', '/shop//items', '/shop/items/%2e%2e/x', '/shop/items%5c1', '/shop/items/%zz', '/shop/items/%00']) {
      const answer = await call(`${base}${path}`, { headers: manager });
      assert.equal(answer.status, 400, path);
    }
    assert.equal(service.seen.length, 0);
  });

  it('never serves a cached token past its expiry', async () => {
    const base = await start();
    clock = Date.now();
    const token = await issuer.token({ exp: Math.floor(clock / 1_000) + 10 }, { now: clock });
    assert.equal((await call(`${base}/open/x`, { headers: bearer(token) })).status, 200);
    assert.equal((await call(`${base}/open/x`, { headers: bearer(token) })).status, 200);
    assert.equal(issuer.fetches, 1);
    clock += 16_000;
    const late = await call(`${base}/open/x`, { headers: bearer(token) });
    assert.equal(late.status, 401);
    assert.match(late.json().detail as string, /expired/);
  });

  it('accepts tokens signed before and after a key rotation, fetching the keys again for the new kid', async () => {
    const base = await start();
    const before = await issuer.token();
    assert.equal((await call(`${base}/open/x`, { headers: bearer(before) })).status, 200);
    const next = await newKey();
    issuer.published = [next, ...issuer.published];
    const after = await issuer.token({}, { key: next });
    assert.equal((await call(`${base}/open/x`, { headers: bearer(after) })).status, 200);
    assert.equal(issuer.fetches, 2);
    const laterWithOldKey = await issuer.token({ jti: 'another' }, { key: issuer.published[1]! });
    assert.equal((await call(`${base}/open/x`, { headers: bearer(laterWithOldKey) })).status, 200);
    issuer.published = [next];
    const oldKeyGone = await issuer.token({ jti: 'third' }, { key: (await newKey()) });
    assert.equal((await call(`${base}/open/x`, { headers: bearer(oldKeyGone) })).status, 401);
  });

  it('answers 503 with Retry-After when the keys cannot be fetched', async () => {
    const base = await start();
    issuer.broken = true;
    const answer = await call(`${base}/open/x`, { headers: bearer(await issuer.token()) });
    assert.equal(answer.status, 503);
    assert.equal(answer.headers['retry-after'], '1');
    assert.equal(service.seen.length, 0);
  });

  it('answers 429 with Retry-After past a client rate limit of the route, leaving other clients and routes alone', async () => {
    const base = await start({ defaultRateLimit: { requests: 1_000, perSeconds: 1 } });
    const busy = bearer(await issuer.token({ sub: 'busy' }));
    const calm = bearer(await issuer.token({ sub: 'calm' }));
    for (let i = 0; i < 3; i += 1) assert.equal((await call(`${base}/limited/x`, { headers: busy })).status, 200);
    const refused = await call(`${base}/limited/x`, { headers: busy });
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    assert.equal((await call(`${base}/limited/x`, { headers: calm })).status, 200);
    assert.equal((await call(`${base}/open/x`, { headers: busy })).status, 200);
    assert.equal(service.seen.length, 5);
  });

  it('answers a CORS preflight from the web UI without a token, and marks answers readable by that origin only', async () => {
    const base = await start({}, { corsOrigins: ['http://localhost:5173'] });
    const preflight = await call(`${base}/shop/items`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.equal(preflight.headers['access-control-allow-headers'], 'authorization, content-type');
    const refused = await call(`${base}/shop/items/1`, { headers: { origin: 'http://localhost:5173' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.match(String(refused.headers['access-control-expose-headers']), /WWW-Authenticate/);
    const stranger = await call(`${base}/shop/items/1`, { headers: { origin: 'https://evil.test', ...bearer(await issuer.token({ roles: ['shop/renter'] })) } });
    assert.equal(stranger.status, 200);
    assert.equal(stranger.headers['access-control-allow-origin'], undefined);
    assert.equal(service.seen.length, 1);
  });
});
