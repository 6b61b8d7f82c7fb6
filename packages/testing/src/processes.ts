import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { after } from 'node:test';

const running = new Set<ChildProcess>();
let cleanupRegistered = false;

/**
 * Whatever a test's outcome, no child it started outlives the test file: a leftover child keeps the
 * file's process (and so the whole run) waiting on its pipes. Registered on first use, because a
 * root `after` hook makes node:test report, even in a script that only imports this kit.
 */
function killAfterTheFile(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  after(() => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** Runs a .ts or .js file in a new Node process (the project's Node 24); killed at the end of the test file. */
export function spawnNode(script: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
  killAfterTheFile();
  const child = spawn(process.execPath, [script, ...args], options);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
