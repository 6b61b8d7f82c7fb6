import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { AsyncResource } from 'node:async_hooks';
import { after } from 'node:test';

const running = new Set<ChildProcess>();
let cleanupRegistered = false;

/**
 * node:test attaches a hook to the test or hook whose code calls it: registered from inside a
 * `before` hook, the cleanup would run when that hook ends and kill the child the suite is about
 * to use. Registering inside this resource's scope, which belongs to no test, attaches it to the
 * file's root instead.
 */
const fileScope = new AsyncResource('eventide.spawnNode');

/**
 * Whatever a test's outcome, no child it started outlives the test file: a leftover child keeps the
 * file's process (and so the whole run) waiting on its pipes. Registered on first use, because a
 * root `after` hook makes node:test report, even in a script that only imports this kit.
 */
function killAfterTheFile(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  fileScope.runInAsyncScope(() =>
    after(() => {
      for (const child of running) child.kill('SIGKILL');
    }),
  );
}

/**
 * Runs a .ts or .js file in a new Node process (the project's Node 24); killed at the end of the
 * test file, wherever it is called (a test, a before hook, a suite).
 */
export function spawnNode(script: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
  killAfterTheFile();
  const child = spawn(process.execPath, [script, ...args], options);
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
