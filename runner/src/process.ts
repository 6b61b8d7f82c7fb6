import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Tail, type Printer } from './logs.ts';
import type { ProcessLedger } from './strays.ts';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export const describeExit = ({ code, signal }: Exit): string => (signal !== null ? `killed by ${signal}` : `exited with code ${code}`);

export interface ProcessSpec {
  /** How its lines are prefixed, e.g. `gdmarket/item#1`. */
  readonly label: string;
  /** The JavaScript or TypeScript file this Node runs (the runner gives it a bundle; see bundle.ts). */
  readonly entry: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Lowest pino level of its stdout shown. */
  readonly threshold: number;
  /** Where it is recorded while it runs, for a next runner if this one dies. */
  readonly ledger?: ProcessLedger;
}

/**
 * One OS process of the run, its output printed and its last lines kept. It gets a process group
 * of its own, so a Ctrl-C in the terminal reaches only the runner, which then sends one SIGTERM:
 * a service treats a second signal as "exit now".
 */
export class ManagedProcess {
  readonly label: string;
  readonly pid: number;
  readonly tail = new Tail();
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  #terminating: Promise<{ exit: Exit; killed: boolean }> | undefined;
  readonly #child: ChildProcess;

  constructor(spec: ProcessSpec, printer: Printer) {
    this.label = spec.label;
    this.#child = spawn(process.execPath, [spec.entry], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const spawned = this.#child.pid;
    // spawn() reports a missing executable asynchronously, but process.execPath exists: a pid is certain.
    if (spawned === undefined) throw new Error(`${spec.label} could not be spawned`);
    this.pid = spawned;
    spec.ledger?.add(spawned, spec.entry);

    // Both streams must reach their end before 'close', so the last lines are kept when the exit is seen.
    const exited = new Promise<Exit>((resolve) => {
      this.#child.once('close', (code, signal) => {
        spec.ledger?.remove(spawned);
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
    this.exited = exited;
    this.#child.on('error', (error) => printer.errorLine(spec.label, `process error: ${error.message}`));
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      this.tail.push(line);
      printer.processLine(spec.label, line, spec.threshold);
    });
    createInterface({ input: this.#child.stderr! }).on('line', (line) => {
      this.tail.push(line);
      printer.errorLine(spec.label, line);
    });
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** SIGKILL: for a process that stopped answering; its exit is seen through `exited`. */
  kill(): void {
    if (this.running) this.#child.kill('SIGKILL');
  }

  /**
   * SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. Resolves with its exit and
   * whether it had to be killed. Asked again, it sends nothing more: a second signal would make a
   * service skip its drain.
   */
  terminate(timeoutMs: number): Promise<{ exit: Exit; killed: boolean }> {
    this.#terminating ??= (async () => {
      if (!this.running) return { exit: await this.exited, killed: false };
      this.#child.kill('SIGTERM');
      let killed = false;
      const deadline = setTimeout(() => {
        killed = true;
        this.kill();
      }, timeoutMs);
      const exit = await this.exited;
      clearTimeout(deadline);
      return { exit, killed };
    })();
    return this.#terminating;
  }
}
