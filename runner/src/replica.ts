import { setTimeout as delay } from 'node:timers/promises';
import { AppError } from '@eventide/core';
import type { Printer } from './logs.ts';
import { describeExit, ManagedProcess, type Exit, type ProcessSpec } from './process.ts';
import { probe } from './probe.ts';

export interface Supervision {
  /** A start not ready within this has failed (its process is killed). */
  readonly readyTimeoutMs: number;
  /** After SIGTERM, how long before SIGKILL. */
  readonly stopTimeoutMs: number;
  /** The first restart's delay; it doubles with each crash in a row, up to `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** A replica ready this long before it crashes starts the backoff over. */
  readonly stableAfterMs: number;
  readonly livenessIntervalMs: number;
  readonly livenessTimeoutMs: number;
  /** Consecutive failed liveness probes after which the process is killed (SIGKILL) and restarted. */
  readonly livenessFailures: number;
}

export const defaultSupervision: Supervision = {
  readyTimeoutMs: 30_000,
  stopTimeoutMs: 15_000,
  backoffMs: 250,
  maxBackoffMs: 30_000,
  stableAfterMs: 10_000,
  livenessIntervalMs: 1_000,
  livenessTimeoutMs: 1_000,
  livenessFailures: 3,
};

export type ReplicaState = 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped';

const readyPollMs = 25;

/**
 * One replica slot: a port and the process on it. Once it has been ready it is supervised: a
 * crash restarts it on the same port after a backoff, and one that stops answering /health/live
 * is killed and restarted. A start that never gets ready is its starter's failure to report.
 */
export class Replica {
  readonly n: number;
  readonly port: number;
  readonly label: string;
  /** Listed in the gateway's routing file. */
  routed = false;
  /** Restarts after crashes or failed liveness, for the status table. */
  restarts = 0;
  #state: ReplicaState = 'stopped';
  #process: ManagedProcess | undefined;
  #supervised = false;
  #crashes = 0;
  #readyAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #lastExit: Exit | undefined;
  readonly #spec: (port: number) => ProcessSpec;
  readonly #printer: Printer;
  readonly #supervision: Supervision;

  constructor(options: { n: number; port: number; label: string; spec: (port: number) => ProcessSpec; printer: Printer; supervision: Supervision }) {
    this.n = options.n;
    this.port = options.port;
    this.label = options.label;
    this.#spec = options.spec;
    this.#printer = options.printer;
    this.#supervision = options.supervision;
  }

  get state(): ReplicaState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#process?.running ? this.#process.pid : undefined;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get upSinceMs(): number | undefined {
    return this.#state === 'ready' ? this.#readyAt : undefined;
  }

  /** Starts its process and resolves once /health/ready answers 200; rejects if it exits first or is not ready in time. */
  async start(): Promise<void> {
    if (this.#process?.running) throw new Error(`${this.label} is already running`);
    clearTimeout(this.#timer);
    const started = performance.now();
    const proc = new ManagedProcess(this.#spec(this.port), this.#printer);
    this.#process = proc;
    this.#state = 'starting';
    this.#printer.say(this.label, `started (pid ${proc.pid}, port ${this.port})`);
    void proc.exited.then((exit) => this.#onExit(proc, exit));

    const failure = await this.#awaitReady(proc);
    if (failure !== undefined) {
      proc.kill();
      await proc.exited;
      throw new AppError('unavailable', `${failure}; its last lines:\n${proc.tail.lines().map((l) => `  | ${l}`).join('\n')}`);
    }
    this.#state = 'ready';
    this.#readyAt = Date.now();
    this.#supervised = true;
    this.#printer.say(this.label, `ready in ${Math.round(performance.now() - started)} ms`);
    this.#scheduleLiveness(proc, 0);
  }

  /** Stops supervising, then SIGTERM (the service drains) and SIGKILL after the deadline. */
  async stop(): Promise<void> {
    this.#supervised = false;
    clearTimeout(this.#timer);
    const proc = this.#process;
    if (proc === undefined || !proc.running) {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    const { exit, killed } = await proc.terminate(this.#supervision.stopTimeoutMs);
    if (killed) this.#printer.say(this.label, `did not stop within ${this.#supervision.stopTimeoutMs} ms of SIGTERM; killed`);
    else this.#printer.say(this.label, `stopped (${describeExit(exit)})`);
  }

  /** Undefined once ready; otherwise why not. */
  async #awaitReady(proc: ManagedProcess): Promise<string | undefined> {
    const deadline = performance.now() + this.#supervision.readyTimeoutMs;
    let last = 'no answer yet';
    while (proc.running) {
      const answer = await probe(this.port, '/health/ready', 1_000);
      if (answer === 200) return undefined;
      last = answer instanceof Error ? answer.message : `${answer}`;
      if (performance.now() >= deadline) return `${this.label} was not ready within ${this.#supervision.readyTimeoutMs} ms (last /health/ready: ${last})`;
      await delay(readyPollMs);
    }
    return `${this.label} ${describeExit(await proc.exited)} before it was ready`;
  }

  #onExit(proc: ManagedProcess, exit: Exit): void {
    if (proc !== this.#process) return;
    clearTimeout(this.#timer);
    this.#lastExit = exit;
    if (!this.#supervised) {
      this.#state = 'stopped';
      return;
    }
    // Ready long enough: this crash is news, not part of a crash loop.
    if (this.#readyAt > 0 && Date.now() - this.#readyAt >= this.#supervision.stableAfterMs) this.#crashes = 0;
    this.#crashes += 1;
    const wait = Math.min(this.#supervision.backoffMs * 2 ** (this.#crashes - 1), this.#supervision.maxBackoffMs);
    this.#state = 'backoff';
    this.#readyAt = 0;
    this.#printer.say(this.label, `${describeExit(exit)}; restarting in ${wait} ms`);
    this.#timer = setTimeout(() => {
      this.restarts += 1;
      // The next exit is seen by #onExit, which schedules the next attempt; here it is only reported.
      this.start().catch((error: unknown) => this.#printer.say(this.label, `restart failed: ${(error as Error).message}`));
    }, wait);
  }

  #scheduleLiveness(proc: ManagedProcess, failures: number): void {
    this.#timer = setTimeout(() => void this.#checkLiveness(proc, failures), this.#supervision.livenessIntervalMs);
  }

  async #checkLiveness(proc: ManagedProcess, failures: number): Promise<void> {
    const { livenessTimeoutMs, livenessFailures } = this.#supervision;
    const current = () => proc === this.#process && this.#state === 'ready';
    if (!current()) return;
    const answer = await probe(this.port, '/health/live', livenessTimeoutMs);
    if (!current()) return;
    if (answer === 200) return this.#scheduleLiveness(proc, 0);
    const failed = failures + 1;
    if (failed < livenessFailures) return this.#scheduleLiveness(proc, failed);
    const reason = answer instanceof Error ? answer.message : `answered ${answer}`;
    this.#printer.say(this.label, `/health/live failed ${failed} times in a row (${reason}); killing it`);
    proc.kill();
  }

  /** Why it last exited, for the status table. */
  get lastExit(): string | undefined {
    return this.#lastExit === undefined ? undefined : describeExit(this.#lastExit);
  }
}
