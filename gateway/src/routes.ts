import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/**
 * The routing file the runner writes (and Kubernetes mounts as a ConfigMap): which path prefix
 * goes to which service, and the base URLs of that service's replicas.
 */
const segmentPath = '^/([^/?#]+(/[^/?#]+)*)?$';

const routeSchema = Type.Object(
  {
    /** A whole-segment path prefix: `/items` matches `/items` and `/items/1`, never `/itemsx`. */
    prefix: Type.String({ pattern: segmentPath }),
    /** A key of `upstreams`, e.g. `gdmarket/item`. */
    service: Type.String({ minLength: 1 }),
    /** Removed from the path before forwarding; a whole-segment prefix of `prefix`. */
    stripPrefix: Type.Optional(Type.String({ pattern: segmentPath })),
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
    .map(({ prefix, service, stripPrefix }) => ({ prefix, service, stripPrefix: stripPrefix === '/' ? undefined : stripPrefix }))
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

/** `.` or `..` as a path segment, plain or percent-encoded: refused, so a prefix cannot be escaped upstream. */
const dotSegment = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

export function hasDotSegment(url: string): boolean {
  if (!url.includes('.') && !url.includes('%')) return false;
  const queryAt = url.indexOf('?');
  return dotSegment.test(queryAt < 0 ? url : url.slice(0, queryAt));
}
