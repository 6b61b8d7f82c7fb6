import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A runner killed with SIGKILL cannot stop its processes: they keep their ports and the next
 * `npm start` would fail on them. So the runner records each process it starts in its data
 * directory, and the next runner on that directory stops the ones still running (checked by
 * command line and by the variable that names the directory, so a reused pid is never touched).
 */
export const ownerVariable = 'EVENTIDE_RUNNER_DATA_DIR';

interface Entry {
  readonly pid: number;
  readonly entry: string;
}

export class ProcessLedger {
  readonly #file: string;
  readonly #entries = new Map<number, Entry>();

  constructor(file: string) {
    this.#file = file;
  }

  add(pid: number, entry: string): void {
    this.#entries.set(pid, { pid, entry });
    this.#save();
  }

  remove(pid: number): void {
    this.#entries.delete(pid);
    this.#save();
  }

  // Synchronous: a few hundred bytes on each start and exit, and never half-written when the runner dies.
  #save(): void {
    if (this.#entries.size === 0) return rmSync(this.#file, { force: true });
    const temp = `${this.#file}.tmp`;
    writeFileSync(temp, JSON.stringify([...this.#entries.values()]));
    renameSync(temp, this.#file);
  }
}

/** Running and not a zombie (exited, not yet reaped by an adoptive parent that may never reap it). */
export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** A process that has exited meanwhile needs no signal. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function belongs(pid: number, entry: string, dataDir: string): Promise<boolean> {
  try {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const env = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    return args.includes(entry) && env.includes(`${ownerVariable}=${dataDir}`);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT' || code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Stops the processes a dead runner left on `dataDir`: SIGTERM, then SIGKILL after `timeoutMs`
 * (their output pipe is gone, so a drain may stall on logging). Resolves with their pids.
 */
export async function stopStrays(file: string, dataDir: string, timeoutMs: number): Promise<number[]> {
  let recorded: Entry[];
  try {
    recorded = JSON.parse(await readFile(file, 'utf8')) as Entry[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const strays: number[] = [];
  for (const { pid, entry } of recorded) if (isRunning(pid) && (await belongs(pid, entry, dataDir))) strays.push(pid);
  for (const pid of strays) signal(pid, 'SIGTERM');
  const deadline = performance.now() + timeoutMs;
  while (strays.some(isRunning) && performance.now() < deadline) await delay(50);
  for (const pid of strays.filter(isRunning)) signal(pid, 'SIGKILL');
  while (strays.some(isRunning)) await delay(20);
  rmSync(file, { force: true });
  return strays;
}
