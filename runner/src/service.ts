import { AppError } from '@eventide/core';
import type { ServiceManifest } from '@eventide/service-host';
import type { Printer } from './logs.ts';
import type { ProcessSpec } from './process.ts';
import { Replica, type ReplicaState, type Supervision } from './replica.ts';
import { serviceKey } from './routing.ts';

export const maxReplicas = 5;

export interface ServiceDeps {
  readonly printer: Printer;
  readonly supervision: Supervision;
  /** The process of replica `n` listening on `port`. */
  spec(n: number, port: number): ProcessSpec;
  /** A port for a new replica, never one the run holds. */
  allocatePort(): Promise<number>;
  /**
   * Rewrites the routing file from every service's routed replicas and resolves once the gateway
   * lists exactly this service's routed replicas and finds the ready ones ready.
   */
  publishRoutes(service: ServiceUnit): Promise<void>;
}

export interface ReplicaStatus {
  readonly n: number;
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  readonly state: ReplicaState;
  readonly routed: boolean;
  readonly restarts: number;
  readonly upSinceMs: number | undefined;
  readonly lastExit: string | undefined;
}

export interface ServiceStatus {
  /** `<system>/<service>` */
  readonly name: string;
  readonly state: 'running' | 'stopped';
  readonly desired: number;
  readonly routes: readonly string[];
  readonly replicas: readonly ReplicaStatus[];
}

/**
 * The replicas of one service and the operations on them, one at a time. Every change to what
 * the gateway routes is made before a process is asked to stop, and only after a new process is
 * ready, so a request through the gateway never meets a replica that cannot answer.
 */
export class ServiceUnit {
  readonly system: string;
  readonly manifest: ServiceManifest;
  readonly key: string;
  /** The port of the first replica; callers are handed this address. */
  readonly homePort: number;
  replicas: Replica[] = [];
  #desired = 1;
  #stopped = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #deps: ServiceDeps;

  constructor(system: string, manifest: ServiceManifest, homePort: number, deps: ServiceDeps) {
    this.system = system;
    this.manifest = manifest;
    this.key = serviceKey(system, manifest.name);
    this.homePort = homePort;
    this.#deps = deps;
  }

  /** Base URLs the gateway should route to. */
  get upstreams(): string[] {
    return this.replicas.filter((r) => r.routed).map((r) => r.url);
  }

  /** Routed replicas the runner last saw ready: the gateway should find at least these ready. */
  get readyRouted(): number {
    return this.replicas.filter((r) => r.routed && r.state === 'ready').length;
  }

  status(): ServiceStatus {
    return {
      name: this.key,
      state: this.#stopped ? 'stopped' : 'running',
      desired: this.#desired,
      routes: this.manifest.routes,
      replicas: this.replicas.map((r) => ({
        n: r.n,
        port: r.port,
        url: r.url,
        pid: r.pid,
        state: r.state,
        routed: r.routed,
        restarts: r.restarts,
        upSinceMs: r.upSinceMs,
        lastExit: r.lastExit,
      })),
    };
  }

  /** The first start: one replica on the home port, not routed yet (the runner routes all at once). */
  launch(): Promise<void> {
    return this.#serial(async () => {
      const replica = this.#replica(this.homePort);
      await replica.start();
    });
  }

  start(): Promise<void> {
    return this.#serial(async () => {
      if (!this.#stopped) return;
      this.#stopped = false;
      try {
        await this.#grow(this.#desired);
      } catch (error) {
        // Nothing came up: still stopped, so the next start tries again.
        if (this.replicas.length === 0) this.#stopped = true;
        throw error;
      }
    });
  }

  /** Drains every replica; the gateway answers 503 + Retry-After for the service's routes meanwhile. */
  stop(): Promise<void> {
    return this.#serial(async () => {
      if (this.#stopped) return;
      this.#stopped = true;
      await this.#shrink(0);
    });
  }

  scale(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 1 || count > maxReplicas) {
      return Promise.reject(new AppError('validation', `replicas must be a whole number from 1 to ${maxReplicas} (got ${count}); to stop a service use stop`, {
        violations: [{ field: 'replicas', rule: `must be an integer from 1 to ${maxReplicas}` }],
      }));
    }
    return this.#serial(async () => {
      this.#desired = count;
      this.#stopped = false;
      if (this.replicas.length < count) await this.#grow(count);
      else if (this.replicas.length > count) await this.#shrink(count);
    });
  }

  /**
   * Rolling, one replica at a time: a stand-in starts on a fresh port and takes traffic, the
   * replica drains and starts again on its own port (callers hold that address), takes traffic
   * back, and the stand-in drains.
   */
  restart(): Promise<void> {
    return this.#serial(async () => {
      if (this.#stopped) throw new AppError('conflict', `${this.key} is stopped; start it instead`);
      for (const replica of [...this.replicas]) {
        if (replica.state !== 'ready') {
          // Not serving (crashed, backing off): nothing to hand over.
          await replica.stop();
          await replica.start();
          continue;
        }
        const standIn = this.#replica(await this.#deps.allocatePort());
        try {
          await standIn.start();
        } catch (error) {
          this.#remove(standIn);
          throw error;
        }
        await this.#route(standIn, true);
        await this.#route(replica, false);
        await replica.stop();
        try {
          await replica.start();
        } catch (error) {
          // The stand-in keeps serving in its place.
          this.#remove(replica);
          throw error;
        }
        await this.#route(replica, true);
        await this.#route(standIn, false);
        await standIn.stop();
        this.#remove(standIn);
      }
    });
  }

  /** The runner is stopping: every replica drains at once, routes untouched. */
  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop()));
  }

  async #grow(count: number): Promise<void> {
    const added: Replica[] = [];
    while (this.replicas.length < count) {
      // Each replica is listed as soon as its port is chosen, so the next choice sees it taken.
      added.push(this.#replica(this.replicas.length === 0 ? this.homePort : await this.#deps.allocatePort()));
    }
    const results = await Promise.allSettled(added.map((r) => r.start()));
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') added[i]!.routed = true;
      else this.#remove(added[i]!);
    }
    if (added.some((r) => r.routed)) await this.#deps.publishRoutes(this);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  async #shrink(count: number): Promise<void> {
    const leaving = [...this.replicas].sort((a, b) => b.n - a.n).slice(0, this.replicas.length - count);
    for (const replica of leaving) replica.routed = false;
    await this.#deps.publishRoutes(this);
    await Promise.all(leaving.map((r) => r.stop()));
    for (const replica of leaving) this.#remove(replica);
  }

  async #route(replica: Replica, routed: boolean): Promise<void> {
    replica.routed = routed;
    await this.#deps.publishRoutes(this);
  }

  #replica(port: number): Replica {
    const n = Math.max(0, ...this.replicas.map((r) => r.n)) + 1;
    const replica = new Replica({
      n,
      port,
      label: `${this.key}#${n}`,
      spec: (p) => this.#deps.spec(n, p),
      printer: this.#deps.printer,
      supervision: this.#deps.supervision,
    });
    this.replicas.push(replica);
    return replica;
  }

  #remove(replica: Replica): void {
    this.replicas = this.replicas.filter((r) => r !== replica);
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation);
    // The next operation waits for this one whatever its outcome; the outcome goes to its caller.
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
