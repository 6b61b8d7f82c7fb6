import { rename, writeFile } from 'node:fs/promises';
import type { RoutesDocument } from '@eventide/gateway';
import type { AccessRule } from '@eventide/service-host';
import type { Scope } from './ports.ts';

export interface RoutedService {
  readonly system: string;
  readonly service: string;
  readonly routes: readonly string[];
  /** Base URLs of the replicas the gateway should send traffic to now. */
  readonly upstreams: readonly string[];
  /** The system's access rules (its manifest's `access`); absent: any valid token. */
  readonly access?: readonly AccessRule[];
}

/** The literal segments a rule's path starts with, up to its first wildcard. */
const literalHead = (path: string): string[] => {
  const segments = path.split('/').filter((s) => s !== '');
  const wild = segments.findIndex((s) => s === '*' || s === '**');
  return wild < 0 ? segments : segments.slice(0, wild);
};

/**
 * The rules that can match under `prefix` (the others never would), roles named as tokens carry
 * them (`renter` of gdmarket is `gdmarket/renter`; 'any' is `gdmarket/*`: any role of the system,
 * so a token of another system reads nothing here).
 */
export function accessFor(system: string, prefix: string, rules: readonly AccessRule[]): NonNullable<RoutesDocument['routes'][number]['access']> {
  const route = prefix.split('/').filter((s) => s !== '');
  return rules
    .filter((rule) => {
      const head = literalHead(rule.path);
      return head.every((segment, i) => i >= route.length || segment === route[i]) && route.every((segment, i) => i >= head.length || segment === head[i]);
    })
    .map(({ methods, path, roles, rateLimit }) => ({
      methods: [...methods],
      path,
      roles: roles === 'any' ? [`${system}/*`] : roles.map((role) => `${system}/${role}`),
      ...(rateLimit === undefined ? {} : { rateLimit: { ...rateLimit } }),
    }));
}

export const serviceKey = (system: string, service: string): string => `${system}/${service}`;

/**
 * The gateway's routing file for the run. Every route is served under `/<system>` (stripped
 * before forwarding); a system running alone also gets its seed's own paths (`/items`), so the
 * seed's `http :8088/items` works verbatim. A service with no upstreams keeps its routes: the
 * gateway answers them 503 + Retry-After instead of 404.
 */
export function routesDocument(services: readonly RoutedService[], scope: Scope): RoutesDocument {
  const routes: RoutesDocument['routes'] = [];
  const upstreams: RoutesDocument['upstreams'] = {};
  for (const { system, service, routes: prefixes, upstreams: urls, access } of services) {
    const key = serviceKey(system, service);
    upstreams[key] = [...urls];
    for (const prefix of prefixes) {
      const rules = access === undefined ? {} : { access: accessFor(system, prefix, access) };
      routes.push({ prefix: `/${system}${prefix}`, service: key, stripPrefix: `/${system}`, ...rules });
      if (scope === 'alone') routes.push({ prefix, service: key, ...rules });
    }
  }
  return { routes, upstreams };
}

/**
 * Replaces `file` by write-then-rename, so the gateway (which watches the directory) never reads
 * half a file. Writes are serialized, so the file always ends with the latest document.
 */
export function routesWriter(file: string): (document: RoutesDocument) => Promise<void> {
  let last = Promise.resolve();
  let sequence = 0;
  return (document) => {
    const temp = `${file}.${process.pid}.${++sequence}.tmp`;
    const write = last.then(async () => {
      await writeFile(temp, `${JSON.stringify(document, null, 2)}\n`);
      await rename(temp, file);
    });
    last = write.catch(() => undefined);
    return write;
  };
}

export interface GatewayCounts {
  /** Replicas listed in the routing file the gateway has loaded. */
  readonly listed: number;
  /** Of those, the ones its probes found ready. */
  readonly ready: number;
}

/**
 * What the gateway currently routes to, per service, read from its Prometheus gauges
 * (`gateway_replicas`, `gateway_ready_replicas`): how the runner knows a routing change took effect.
 */
export function parseGatewayCounts(metrics: string): Map<string, GatewayCounts> {
  const counts = new Map<string, { listed: number; ready: number }>();
  const line = /^(gateway_replicas|gateway_ready_replicas)\{service="([^"]+)"\} (\d+)$/gm;
  for (const [, name, service, value] of metrics.matchAll(line)) {
    const entry = counts.get(service!) ?? { listed: 0, ready: 0 };
    if (name === 'gateway_replicas') entry.listed = Number(value);
    else entry.ready = Number(value);
    counts.set(service!, entry);
  }
  return counts;
}
