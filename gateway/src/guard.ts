import type { IncomingHttpHeaders } from 'node:http';
import type { AppError } from '@eventide/core';
import type { Route } from './routes.ts';

/**
 * The admission hook (issue 5 puts JWT checks, roles per route and rate limits here). Called once
 * per routed request, after the route is known and before any replica is chosen; health and
 * metrics endpoints never reach it.
 */
export interface GuardRequest {
  readonly method: string;
  /** Path and query as the client sent them (path normalised), before prefix stripping. */
  readonly url: string;
  /** The path the service will see: normalised, prefix stripped, no query. What access rules match. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
}

export type Verdict =
  | {
      readonly admit: true;
      /**
       * Set on the forwarded request, replacing whatever the client sent under those names
       * (identity headers are overwritten, never trusted); `null` removes a header.
       */
      readonly headers?: Readonly<Record<string, string | null>>;
    }
  | {
      readonly admit: false;
      /** unauthorized → 401, forbidden → 403, rate_limited → 429, unavailable → 503 (with their Retry-After). */
      readonly error: AppError;
      /** Added to the refusal, e.g. `WWW-Authenticate`. */
      readonly headers?: Readonly<Record<string, string>>;
    };

export type Guard = (request: GuardRequest, route: Route) => Verdict | Promise<Verdict>;
