import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { compileRule, type AccessRule, type RateLimit } from './access.ts';

/**
 * The routing file the runner writes (and Kubernetes mounts as a ConfigMap): which path prefix
 * goes to which service, and the base URLs of that service's replicas.
 */
const segmentPath = '^/([^/?#]+(/[^/?#]+)*)?$';

const rateLimitSchema = Type.Object(
  { requests: Type.Integer({ minimum: 1 }), perSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }) },
  { additionalProperties: false },
);

/** See access.ts. */
const accessRuleSchema = Type.Object(
  {
    methods: Type.Array(Type.String({ pattern: '^([A-Z]+|\\*)$' }), { minItems: 1 }),
    path: Type.String({ pattern: '^/(\\*\\*|([^/?#*]+|\\*)(/([^/?#*]+|\\*))*(/\\*\\*)?)?$' }),
    roles: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    rateLimit: Type.Optional(rateLimitSchema),
  },
  { additionalProperties: false },
);

const routeSchema = Type.Object(
  {
    /** A whole-segment path prefix: `/items` matches `/items` and `/items/1`, never `/itemsx`. */
    prefix: Type.String({ pattern: segmentPath }),
    /** A key of `upstreams`, e.g. `gdmarket/item`. */
    service: Type.String({ minLength: 1 }),
    /** Removed from the path before forwarding; a whole-segment prefix of `prefix`. */
    stripPrefix: Type.Optional(Type.String({ pattern: segmentPath })),
    /** Who may call what (first match decides, none matching refuses); absent: any valid token. */
    access: Type.Optional(Type.Array(accessRuleSchema)),
    /** Per client, for the route's requests whose rule sets none; absent: the gateway's default. */
    rateLimit: Type.Optional(rateLimitSchema),
  },
  { additionalProperties: false },
);

export const routesDocument = Type.Object(
  {
    routes: Type.Array(routeSchema),
    /** Service → replica base URLs (origin only); an empty list means none is running. */
    upstreams: Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String({ pattern: '^https?://[^/?#]+/?$' }))),
  },
  { additionalProperties: false },
);

export type RoutesDocument = Static<typeof routesDocument>;

export interface Route {
  readonly prefix: string;
  readonly service: string;
  readonly stripPrefix: string | undefined;
  readonly access: readonly AccessRule[] | undefined;
  readonly rateLimit: RateLimit | undefined;
}

export interface Match {
  readonly route: Route;
  /** Path and query to send upstream, prefix stripped. */
  readonly upstreamPath: string;
}

export class RoutesError extends Error {
  constructor(problems: readonly string[]) {
    super(`invalid routing file: ${problems.join('; ')}`);
    this.name = 'RoutesError';
  }
}

/** Whether `prefix` covers `path` on a segment boundary. `path` has no query. */
function covers(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47 /* / */);
}

export interface RoutingTable {
  readonly routes: readonly Route[];
  /** Replica base URLs per service, normalised to origins. */
  readonly upstreams: ReadonlyMap<string, readonly string[]>;
  /** The longest prefix covering the path of `url` (path plus query), or undefined. */
  match(url: string): Match | undefined;
}

/** Validates a parsed routing file and builds the table; throws RoutesError naming every problem. */
export function routingTable(document: unknown): RoutingTable {
  if (!Value.Check(routesDocument, document)) {
    const problems = Value.Errors(routesDocument, document)
      .filter((e) => e.keyword !== 'boolean')
      .map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new RoutesError(problems);
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { prefix, service, stripPrefix } of document.routes) {
    if (seen.has(prefix)) problems.push(`prefix ${prefix} is routed twice`);
    seen.add(prefix);
    if (!(service in document.upstreams)) problems.push(`route ${prefix} names service ${service}, which has no upstreams entry`);
    if (stripPrefix !== undefined && !covers(stripPrefix, prefix)) {
      problems.push(`stripPrefix ${stripPrefix} is not a segment prefix of ${prefix}`);
    }
  }
  if (problems.length > 0) throw new RoutesError(problems);

  const routes: Route[] = document.routes
    .map(({ prefix, service, stripPrefix, access, rateLimit }) => ({
      prefix,
      service,
      stripPrefix: stripPrefix === '/' ? undefined : stripPrefix,
      access: access?.map(compileRule),
      rateLimit,
    }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const upstreams = new Map(Object.entries(document.upstreams).map(([service, urls]) => [service, urls.map((u) => new URL(u).origin)]));

  return {
    routes,
    upstreams,
    match(url) {
      const queryAt = url.indexOf('?');
      const path = queryAt < 0 ? url : url.slice(0, queryAt);
      // Sorted longest first, so the first cover is the longest match.
      const route = routes.find((r) => covers(r.prefix, path));
      if (route === undefined) return undefined;
      if (route.stripPrefix === undefined) return { route, upstreamPath: url };
      const rest = url.slice(route.stripPrefix.length);
      return { route, upstreamPath: rest === '' || rest.startsWith('?') ? `/${rest}` : rest };
    },
  };
}

const unreserved = /[A-Za-z0-9\-._~]/;

/**
 * The request target with its path in one canonical form (RFC 3986 §6.2.2), so routes and access
 * rules judge exactly what the service will see (`/%69tems` is `/items`): percent-encoded
 * unreserved characters decoded, other escapes upper-cased. Refused (undefined): an invalid
 * escape, an encoded `/`, `\` or control character, a raw `\`, and an empty segment (`//`), each
 * a way to make the gateway and a service disagree on the path. The query is left as sent.
 */
export function normalizeTarget(url: string): string | undefined {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  if (!path.startsWith('/') || path.includes('//') || path.includes('\\') || path.includes('#')) return undefined;
  if (!path.includes('%')) return url;
  let out = '';
  for (let i = 0; i < path.length; i += 1) {
    const c = path[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const code = Number.parseInt(hex, 16);
    if (code < 0x20 || code === 0x7f || code === 0x2f || code === 0x5c) return undefined;
    const decoded = String.fromCharCode(code);
    out += unreserved.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
    i += 2;
  }
  if (out.includes('//')) return undefined;
  return queryAt < 0 ? out : out + url.slice(queryAt);
}

/** `.` or `..` as a path segment, plain or percent-encoded: refused, so a prefix cannot be escaped upstream. */
const dotSegment = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

export function hasDotSegment(url: string): boolean {
  if (!url.includes('.') && !url.includes('%')) return false;
  const queryAt = url.indexOf('?');
  return dotSegment.test(queryAt < 0 ? url : url.slice(0, queryAt));
}
