import type { Logger } from 'pino';
import { Pool } from 'undici';
import { startProbe, type Probe, type ProbeOptions } from './probe.ts';

export interface PoolOptions {
  /** Keep-alive sockets per replica. */
  readonly connections: number;
  /** Requests in flight per socket; 1 means no pipelining. */
  readonly pipelining: number;
}

/**
 * One running copy of a service. Traffic goes only to a ready replica. An active probe of
 * `/health/ready` sets readiness; a passive failure (refused connection, draining answer) clears
 * it at once, and only a probe that started after that failure may set it again.
 */
export class Replica {
  readonly service: string;
  readonly origin: string;
  readonly pool: Pool;
  /** Requests sent and not yet answered in full: the least-pending balancer reads it. */
  pending = 0;
  #ready = false;
  #generation = 0;
  readonly #log: Logger;
  #probe: Probe | undefined;

  constructor(service: string, origin: string, pool: PoolOptions, log: Logger) {
    this.service = service;
    this.origin = origin;
    this.pool = new Pool(origin, { connections: pool.connections, pipelining: pool.pipelining });
    this.#log = log;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Starts probing; resolves after the first probe has answered or timed out. */
  startProbing(options: ProbeOptions): Promise<void> {
    this.#probe = startProbe(this.origin, options, {
      generation: () => this.#generation,
      report: (generation, ready, reason) => {
        if (generation === this.#generation) this.#set(ready, reason);
      },
    });
    return this.#probe.first;
  }

  /** A request proved the replica cannot take traffic now (refused, reset, draining). */
  markDown(reason: string): void {
    this.#generation += 1;
    this.#set(false, reason);
  }

  #set(ready: boolean, reason: string): void {
    if (ready === this.#ready) return;
    this.#ready = ready;
    this.#log.info({ service: this.service, replica: this.origin, reason }, ready ? 'replica ready' : 'replica not ready');
  }

  /** Stops probing and closes the pool once its in-flight requests finish. */
  async close(): Promise<void> {
    this.#ready = false;
    await this.#probe?.stop();
    await this.pool.close();
  }
}

/** The replicas of one service and the choice among them. */
export class ReplicaSet {
  readonly service: string;
  replicas: readonly Replica[] = [];
  #next = 0;

  constructor(service: string) {
    this.service = service;
  }

  /**
   * The ready replica with the fewest pending requests, ties broken round-robin, skipping those
   * in `tried` (a resend goes to another replica). Undefined when none is ready.
   */
  pick(tried: readonly Replica[]): Replica | undefined {
    const { replicas } = this;
    const n = replicas.length;
    if (n === 0) return undefined;
    const start = this.#next++ % n;
    let best: Replica | undefined;
    for (let i = 0; i < n; i++) {
      const candidate = replicas[(start + i) % n] as Replica;
      if (!candidate.ready || tried.includes(candidate)) continue;
      if (best === undefined || candidate.pending < best.pending) best = candidate;
    }
    return best;
  }

  get readyCount(): number {
    return this.replicas.reduce((count, r) => count + (r.ready ? 1 : 0), 0);
  }
}

/**
 * Every service's replicas, reconciled with each new routing table: a replica whose URL stays
 * keeps its pool and readiness, a new one takes traffic once a probe says ready, a removed one
 * finishes its in-flight requests and closes.
 */
export class Upstreams {
  readonly #sets = new Map<string, ReplicaSet>();
  readonly #pool: PoolOptions;
  readonly #probe: ProbeOptions;
  readonly #log: Logger;

  constructor(pool: PoolOptions, probe: ProbeOptions, log: Logger) {
    this.#pool = pool;
    this.#probe = probe;
    this.#log = log;
  }

  get(service: string): ReplicaSet | undefined {
    return this.#sets.get(service);
  }

  services(): IterableIterator<ReplicaSet> {
    return this.#sets.values();
  }

  /** Applies `upstreams`; resolves when the new replicas' first probes have answered. */
  async reconcile(upstreams: ReadonlyMap<string, readonly string[]>): Promise<void> {
    const started: Promise<void>[] = [];
    const removed: Replica[] = [];
    for (const [service, origins] of upstreams) {
      let set = this.#sets.get(service);
      if (set === undefined) {
        set = new ReplicaSet(service);
        this.#sets.set(service, set);
      }
      const current = new Map(set.replicas.map((r) => [r.origin, r]));
      set.replicas = [...new Set(origins)].map((origin) => {
        const kept = current.get(origin);
        if (kept !== undefined) {
          current.delete(origin);
          return kept;
        }
        const replica = new Replica(service, origin, this.#pool, this.#log);
        started.push(replica.startProbing(this.#probe));
        return replica;
      });
      removed.push(...current.values());
    }
    for (const [service, set] of this.#sets) {
      if (upstreams.has(service)) continue;
      removed.push(...set.replicas);
      this.#sets.delete(service);
    }
    for (const replica of removed) {
      replica.close().catch((error: unknown) => this.#log.error({ err: error, replica: replica.origin }, 'replica close failed'));
    }
    await Promise.all(started);
  }

  async close(): Promise<void> {
    const all = [...this.#sets.values()].flatMap((set) => set.replicas);
    this.#sets.clear();
    await Promise.all(all.map((r) => r.close()));
  }
}
