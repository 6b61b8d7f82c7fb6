import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { AppError } from '@eventide/core';
import type { SystemManifest } from '@eventide/service-host';

/**
 * Which ports a run uses.
 *
 * - `alone` (one system named): the seed's ports. The gateway on the manifest's `gatewayPort`,
 *   each service's first replica on its seed port, further replicas on seed + 10000·k
 *   (8081 → 18081, 28081, …).
 * - `together` (every system, or several named): the gateway on 8080; the service at position j
 *   (1-based, manifest order) of the system at position i (1-based, all discovered systems by
 *   name) on 9000 + 100·i + j (gdmarket's item 9101 while it is the only system), further
 *   replicas on that + 10·k.
 * - `ephemeral` ports (tests): every port from the OS, so parallel runs never collide.
 *
 * A replica keeps its port across crash restarts and rolling restarts, so an address handed to a
 * caller (`PAYMENT_URL`) stays right.
 */
export type Scope = 'alone' | 'together';
export type PortMode = 'fixed' | 'ephemeral';

export interface PortPlan {
  /** 0: an OS-assigned port. */
  readonly gateway: number;
  /** The authorization server's (0: OS-assigned): 8089 in both fixed schemes, beside the seeds' 8081–8088. */
  readonly auth: number;
  /** A service's ports in order of preference, the first its home; empty: OS-assigned only. */
  candidates(system: string, service: string): readonly number[];
}

const togetherGatewayPort = 8080;
const authPort = 8089;

function series(home: number, stride: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => home + stride * k).filter((port) => port <= 65_535);
}

export function planPorts(
  selected: readonly SystemManifest[],
  discovered: readonly string[],
  scope: Scope,
  mode: PortMode,
): PortPlan {
  if (mode === 'ephemeral') return { gateway: 0, auth: 0, candidates: () => [] };
  if (scope === 'alone') {
    const [system] = selected;
    if (system === undefined || selected.length !== 1) throw new Error('a run alone has exactly one system');
    return {
      gateway: system.gatewayPort,
      auth: authPort,
      candidates: (_system, service) => {
        const seed = system.services.find((s) => s.name === service)?.port;
        if (seed === undefined) throw new Error(`${system.name} has no service ${service}`);
        return series(seed, 10_000, 7);
      },
    };
  }
  return {
    gateway: togetherGatewayPort,
    auth: authPort,
    candidates: (systemName, service) => {
      const i = discovered.indexOf(systemName) + 1;
      const j = (selected.find((s) => s.name === systemName)?.services.findIndex((s) => s.name === service) ?? -1) + 1;
      if (i === 0 || j === 0) throw new Error(`${systemName}/${service} is not part of this run`);
      if (j > 9 || i > 9) throw new Error('the together port scheme holds 9 systems of 9 services');
      return series(9_000 + 100 * i + j, 10, 10);
    },
  };
}

/** Whether 127.0.0.1:`port` can be listened on now. */
export async function isFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  const server = createServer();
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' || (error as NodeJS.ErrnoException).code === 'EACCES') return false;
    throw error;
  }
  server.close();
  await once(server, 'close');
  return true;
}

/**
 * A port the OS had free a moment ago. Another process may take it before the child listens
 * (the usual get-port race); the child then fails to start and is reported, never silently moved.
 */
export async function osPort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** The first candidate neither `taken` by this run nor in use, else an OS-assigned one. */
export async function pickPort(candidates: readonly number[], taken: ReadonlySet<number>): Promise<number> {
  for (const port of candidates) {
    if (!taken.has(port) && (await isFree(port))) return port;
  }
  for (;;) {
    const port = await osPort();
    if (!taken.has(port)) return port;
  }
}

/**
 * The gateway's port and each service's home port (its first replica's, and the address its
 * callers are handed), chosen before anything starts. A fixed port in use fails the start,
 * naming every one.
 */
export async function reservePorts(plan: PortPlan, systems: readonly SystemManifest[]): Promise<{ gateway: number; auth: number; homes: Map<string, number> }> {
  const homes = new Map<string, number>();
  for (const system of systems) {
    for (const service of system.services) {
      const [home] = plan.candidates(system.name, service.name);
      homes.set(`${system.name}/${service.name}`, home ?? (await pickPort([], new Set(homes.values()))));
    }
  }
  const gateway = plan.gateway === 0 ? await pickPort([], new Set(homes.values())) : plan.gateway;
  const auth = plan.auth === 0 ? await pickPort([], new Set([...homes.values(), gateway])) : plan.auth;
  const busy: string[] = [];
  for (const [owner, port] of [...homes, ['gateway', gateway] as const, ['auth', auth] as const]) if (!(await isFree(port))) busy.push(`${port} (${owner})`);
  if (busy.length > 0) throw new AppError('conflict', `port ${busy.join(', ')} already in use: is another runner or program running?`);
  return { gateway, auth, homes };
}
