import { AppError } from '@eventide/core';
import { createRemoteJWKSet, errors, jwtVerify, type JWTHeaderParameters, type FlattenedJWSInput, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';

export interface TokenOptions {
  /** The authorization server's issuer identifier: `iss` must equal it. */
  readonly issuer: string;
  /** The API's resource indicator: `aud` must hold it. */
  readonly audience: string;
  /** Where the public keys are published (the server's `/jwks`). */
  readonly jwksUrl: string;
  /** Pinned: a token naming any other algorithm (`none`, `HS256`, …) is refused before any key is looked at. */
  readonly algorithms: readonly string[];
  /** Allowed clock skew on `exp`, `nbf` and `iat`. */
  readonly clockToleranceSeconds: number;
  /** Verified tokens kept (least recently used out first); 0 verifies every request. */
  readonly cacheSize: number;
  /** Least time between two JWKS fetches when a token names an unknown key (a flood of made-up kids costs the server little). */
  readonly jwksCooldownMs: number;
}

export interface Caller {
  /** `sub`: the person, or the machine client itself. */
  readonly subject: string;
  readonly clientId: string;
  /** As the server grants them: `<system>/<role>`. */
  readonly roles: readonly string[];
  /** `exp`, seconds since the epoch. */
  readonly expiresAt: number;
}

/** Why a token was refused, for `WWW-Authenticate: Bearer error="invalid_token"` (never the token itself). */
export class InvalidToken extends AppError {
  constructor(reason: string, cause?: unknown) {
    super('unauthorized', reason, { cause });
  }
}

/** Key lookups that fail for want of the authorization server (down, slow, bad answer): 503, not the client's fault. */
const keyLookupRefusals: ReadonlySet<string> = new Set([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JWK_INVALID',
]);

function reasonOf(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's ${error.claim} claim is not accepted (${error.reason})`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this API does not accept';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token is signed with a key the authorization server does not publish';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is wrong';
  return 'the token is malformed';
}

/**
 * Verifies access tokens (RFC 9068 JWTs): signature against the server's published keys
 * (fetched once, fetched again on an unknown `kid`), the pinned algorithm, `typ: at+jwt`,
 * issuer, audience, expiry and not-before within the clock tolerance. A verified token is kept,
 * keyed by its text, until the earlier of its expiry and a minute from now, so a client's next
 * requests cost a map lookup instead of an ECDSA verification.
 */
export function createTokenVerifier(options: TokenOptions, now: () => number = Date.now): (token: string) => Caller | Promise<Caller> {
  const remote = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: options.jwksCooldownMs, timeoutDuration: 2_000 });
  const keys = async (header: JWTHeaderParameters, input: FlattenedJWSInput) => {
    try {
      return await remote(header, input);
    } catch (error) {
      if (error instanceof errors.JOSEError && keyLookupRefusals.has(error.code)) throw error;
      throw new AppError('unavailable', `the authorization server's keys cannot be fetched from ${options.jwksUrl}: ${(error as Error).message}`, {
        cause: error,
        retryAfterSeconds: 1,
      });
    }
  };
  const cache = options.cacheSize > 0 ? new LRUCache<string, Caller>({ max: options.cacheSize }) : undefined;
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: [...options.algorithms],
    typ: 'at+jwt',
    clockTolerance: options.clockToleranceSeconds,
    requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
  };

  const verify = async (token: string): Promise<Caller> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, { ...verifyOptions, currentDate: new Date(now()) }));
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new InvalidToken(reasonOf(error), error);
      throw error;
    }
    const { roles, client_id: clientId } = payload;
    if (roles !== undefined && !(Array.isArray(roles) && roles.every((r) => typeof r === 'string'))) throw new InvalidToken('the token roles claim is not a list of names');
    if (typeof clientId !== 'string') throw new InvalidToken('the token client_id claim is not a string');
    const caller: Caller = { subject: payload.sub!, clientId, roles: (roles as string[] | undefined) ?? [], expiresAt: payload.exp! };
    const lifetimeMs = (caller.expiresAt + options.clockToleranceSeconds) * 1_000 - now();
    cache?.set(token, caller, { ttl: Math.min(lifetimeMs, 60_000) });
    return caller;
  };

  return (token) => {
    const cached = cache?.get(token);
    // The cache entry's own TTL runs on a monotonic clock; expiry is checked on the wall clock too.
    if (cached !== undefined && (cached.expiresAt + options.clockToleranceSeconds) * 1_000 > now()) return cached;
    return verify(token);
  };
}
