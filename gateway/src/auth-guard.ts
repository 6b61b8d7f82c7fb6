import { AppError } from '@eventide/core';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { allows, ruleFor, type RateLimit } from './access.ts';
import type { Guard, GuardRequest, Verdict } from './guard.ts';
import type { Route } from './routes.ts';
import { createTokenVerifier, InvalidToken, type Caller, type TokenOptions } from './tokens.ts';

export interface AuthGuardOptions extends TokenOptions {
  /** Per client (token subject) and route, where neither the rule nor the route sets one; undefined: no limit. */
  readonly defaultRateLimit: RateLimit | undefined;
  /** Realm named in `WWW-Authenticate`. */
  readonly realm?: string;
}

/** Forwarded upstream, set from the verified token only (the gateway drops any `x-auth-*` a client sends). */
export const identityHeaders = { subject: 'x-auth-subject', clientId: 'x-auth-client-id', roles: 'x-auth-roles' } as const;

const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The gateway's admission (issue 5): a valid access token (401 otherwise, with
 * `WWW-Authenticate`), a role the route's rules allow for this method and path (403), and the
 * client's rate limit for the rule or route (429 + Retry-After). Admitted requests carry the
 * caller's identity in `x-auth-*` headers.
 */
export function createAuthGuard(options: AuthGuardOptions, now: () => number = Date.now): Guard {
  const verify = createTokenVerifier(options, now);
  const realm = options.realm ?? 'eventide';
  const limiters = new Map<string, RateLimiterMemory>();
  const limiterFor = (limit: RateLimit): RateLimiterMemory => {
    const key = `${limit.requests}/${limit.perSeconds}`;
    let limiter = limiters.get(key);
    if (limiter === undefined) limiters.set(key, (limiter = new RateLimiterMemory({ points: limit.requests, duration: limit.perSeconds })));
    return limiter;
  };

  const unauthorized = (reason: string, error?: 'invalid_token'): Verdict => ({
    admit: false,
    error: new AppError('unauthorized', reason),
    headers: {
      'www-authenticate':
        error === undefined ? `Bearer realm="${realm}"` : `Bearer realm="${realm}", error="${error}", error_description="${reason.replace(/["\\]/g, '')}"`,
    },
  });

  const decide = (request: GuardRequest, route: Route, caller: Caller): Verdict | Promise<Verdict> => {
    const rule = route.access === undefined ? undefined : ruleFor(route.access, request.method, request.path);
    if (route.access !== undefined && (rule === undefined || !allows(rule, caller.roles))) {
      return {
        admit: false,
        error: new AppError('forbidden', `${request.method} ${request.path} is not allowed to ${caller.roles.length === 0 ? 'a caller without roles' : caller.roles.join(', ')}`),
        headers: { 'www-authenticate': `Bearer realm="${realm}", error="insufficient_scope"` },
      };
    }
    const admitted: Verdict = {
      admit: true,
      headers: { [identityHeaders.subject]: caller.subject, [identityHeaders.clientId]: caller.clientId, [identityHeaders.roles]: caller.roles.join(',') },
    };
    const limit = rule?.rateLimit ?? route.rateLimit ?? options.defaultRateLimit;
    if (limit === undefined) return admitted;
    const bucket = rule?.rateLimit === undefined ? `${route.prefix} ${caller.subject}` : `${route.prefix}#${rule.index} ${caller.subject}`;
    return limiterFor(limit)
      .consume(bucket)
      .then(
        () => admitted,
        (refusal: unknown) => {
          if (!(refusal instanceof RateLimiterRes)) throw refusal;
          const retryAfterSeconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1_000));
          return {
            admit: false,
            error: new AppError('rate_limited', `${caller.subject} made more than ${limit.requests} requests in ${limit.perSeconds} s to ${route.prefix}`, { retryAfterSeconds }),
          };
        },
      );
  };

  return (request, route) => {
    const header = request.headers.authorization;
    if (header === undefined || header === '') return unauthorized('an access token is required (Authorization: Bearer <token>)');
    const token = bearer.exec(header)?.[1];
    if (token === undefined) return unauthorized('the Authorization header is not a Bearer token', 'invalid_token');
    const refuse = (error: unknown): Verdict => {
      if (error instanceof InvalidToken) return unauthorized(error.message, 'invalid_token');
      if (error instanceof AppError && error.code === 'unavailable') return { admit: false, error };
      throw error;
    };
    let caller: Caller | Promise<Caller>;
    try {
      caller = verify(token);
    } catch (error) {
      return refuse(error);
    }
    if (caller instanceof Promise) return caller.then((c) => decide(request, route, c), refuse);
    return decide(request, route, caller);
  };
}
