import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A stand-in authorization server for the gateway's tests: it publishes a JWKS and mints access
 * tokens (RFC 9068 shape: `typ: at+jwt`, iss, aud, sub, client_id, roles, iat, exp) with keys it
 * holds, including ones it does not publish, so every kind of bad token can be made.
 */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export const issuerId = 'https://auth.test';
export const audience = 'urn:eventide:api';

export async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } };
}

export interface FakeIssuer {
  readonly jwksUrl: string;
  /** Published keys, first signs by default; tests replace it to rotate. */
  published: SigningKey[];
  /** JWKS requests served. */
  readonly fetches: number;
  /** When true, /jwks answers 500. */
  broken: boolean;
  token(claims?: JWTPayload & { roles?: string[] }, options?: { key?: SigningKey; kid?: string; typ?: string | null; now?: number }): Promise<string>;
  close(): Promise<void>;
}

export async function startIssuer(): Promise<FakeIssuer> {
  const state = { published: [await newKey()], fetches: 0, broken: false };
  const server = createServer((request, response) => {
    if (request.url !== '/jwks') return void response.writeHead(404).end();
    state.fetches += 1;
    if (state.broken) return void response.writeHead(500).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.published.map((k) => k.publicJwk) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks`,
    get published() {
      return state.published;
    },
    set published(keys: SigningKey[]) {
      state.published = keys;
    },
    get fetches() {
      return state.fetches;
    },
    get broken() {
      return state.broken;
    },
    set broken(value: boolean) {
      state.broken = value;
    },
    async token(claims = {}, options = {}) {
      const key = options.key ?? state.published[0]!;
      const nowSeconds = Math.floor((options.now ?? Date.now()) / 1_000);
      const header: { alg: string; kid: string; typ?: string } = { alg: 'ES256', kid: options.kid ?? key.kid };
      if (options.typ !== null) header.typ = options.typ ?? 'at+jwt';
      return new SignJWT({ sub: 'client-1', client_id: 'client-1', roles: [], iss: issuerId, aud: audience, iat: nowSeconds, exp: nowSeconds + 300, ...claims })
        .setProtectedHeader(header)
        .sign(key.privateKey);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
