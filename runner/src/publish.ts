import { setTimeout as delay } from 'node:timers/promises';
import type { AccessRule } from '@eventide/service-host';
import type { Scope } from './ports.ts';
import { fetchText } from './probe.ts';
import { parseGatewayCounts, routesDocument, routesWriter } from './routing.ts';

/** What the gateway is told about one service. */
export interface Published {
  readonly key: string;
  readonly system: string;
  readonly manifest: { readonly name: string; readonly routes: readonly string[] };
  /** Base URLs of the replicas to route to. */
  readonly upstreams: readonly string[];
  /** Of those, the ones the runner last saw ready: the gateway must find at least these ready. */
  readonly readyRouted: number;
}

export interface PublishOptions {
  readonly file: string;
  readonly scope: Scope;
  /** Every service of the run, as it is now. */
  readonly services: () => readonly Published[];
  readonly gatewayPort: number;
  /** A system's access rules (its manifest's `access`). */
  readonly accessOf: (system: string) => readonly AccessRule[] | undefined;
  /** While the gateway is down there is nobody to confirm; it reads the file when it is back. */
  readonly gatewayReady: () => boolean;
  readonly confirmMs: number;
  readonly say: (text: string) => void;
}

/**
 * Rewrites the routing file from every service, then resolves once the gateway lists exactly the
 * routed replicas of `changed` and finds the ready ones ready (read from its gauges). Only then
 * may a replica be asked to stop, or a change be called done. When the gateway cannot tell within
 * `confirmMs`, it says so and goes on.
 */
export function routesPublisher(options: PublishOptions): (changed: readonly Published[]) => Promise<void> {
  const { file, scope, services, gatewayPort, accessOf, gatewayReady, confirmMs, say } = options;
  const write = routesWriter(file);

  const confirm = async (changed: readonly Published[]): Promise<void> => {
    const deadline = performance.now() + confirmMs;
    let seen = 'nothing yet';
    while (gatewayReady()) {
      try {
        const counts = parseGatewayCounts(await fetchText(gatewayPort, '/metrics', 1_000));
        const lagging = changed.filter((s) => {
          const c = counts.get(s.key);
          return c === undefined || c.listed !== s.upstreams.length || c.ready < s.readyRouted;
        });
        if (lagging.length === 0) return;
        seen = lagging.map((s) => `${s.key} ${JSON.stringify(counts.get(s.key) ?? null)}`).join(', ');
      } catch (error) {
        seen = (error as Error).message;
      }
      if (performance.now() >= deadline) {
        say(`the gateway did not confirm the new routes within ${confirmMs} ms (${seen}); going on`);
        return;
      }
      await delay(20);
    }
  };

  return async (changed) => {
    const document = routesDocument(
      services().map((s) => ({ system: s.system, service: s.manifest.name, routes: s.manifest.routes, upstreams: s.upstreams, access: accessOf(s.system) })),
      scope,
    );
    await write(document);
    await confirm(changed);
  };
}
