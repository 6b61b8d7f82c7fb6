import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { eventually, tempDir } from '@eventide/testing';
import { startRunner, type RunnerStatus } from '../src/index.ts';
import { isRunning } from '../src/strays.ts';
import { fixtureRoot } from './support/run.ts';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function svc(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, DATA_DIR: dataDir } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

describe('the command line', () => {
  it('runs a system, obeys svc commands from another process, and on Ctrl-C stops every process and exits 0', async () => {
    const dir = tempDir('eventide-runner-cli-');
    // A process group of its own, as a terminal's foreground job: Ctrl-C is SIGINT to the group.
    // As `npm start -- demo` runs it.
    const runner = spawn(process.execPath, [cli, 'start', 'demo', '--root', fixtureRoot('good'), '--ports', 'ephemeral'], {
      env: { ...process.env, DATA_DIR: dir.path },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const lines: string[] = [];
    createInterface({ input: runner.stdout }).on('line', (line) => lines.push(line));
    createInterface({ input: runner.stderr }).on('line', (line) => lines.push(line));
    const exited = once(runner, 'exit');
    try {
      await eventually(() => assert.ok(lines.some((l) => l.includes('after the runner process started')), lines.join('\n')), {
        within: 60_000,
        what: 'the runner to be ready',
      });

      const table = await svc(dir.path, 'status');
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /demo\/echo\s+1\/1\s+\d+\s+\d+\s+yes/);

      const scaled = await svc(dir.path, 'scale', 'demo/echo', '2');
      assert.equal(scaled.code, 0, scaled.stderr);
      assert.match(scaled.stdout, /demo\/echo: running, 2 replica\(s\)/);
      const wrong = await svc(dir.path, 'scale', 'demo/echo', 'many');
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /scale needs a number of replicas/);

      const refused = await svc(dir.path, 'reset');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /is running on .*; stop it first/);

      const status = JSON.parse((await svc(dir.path, 'status', '--json')).stdout) as RunnerStatus;
      const pids = [status.pid, status.gateway.pid!, ...status.services.flatMap((s) => s.replicas.map((r) => r.pid!))];
      assert.equal(pids.length, 5);

      // The terminal's SIGINT to its foreground group, then npm's forwarded copy to the runner alone.
      process.kill(-runner.pid!, 'SIGINT');
      await eventually(() => assert.ok(lines.some((l) => l.includes('stopping every process'))));
      // Unless the runner has finished stopping already (it can be that quick): then there is nobody to forward to.
      try {
        process.kill(runner.pid!, 'SIGINT');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
      const [code, signal] = await exited;
      assert.deepEqual([code, signal], [0, null], lines.join('\n'));
      assert.deepEqual(pids.filter(isRunning), [], 'no process is left behind');
      // Each replica got one signal, the runner's SIGTERM, and so drained rather than exiting at once.
      const signals = lines.filter((l) => / demo\/echo#\d WARN {2}received SIG/.test(l)).map((l) => l.replace(/^\S+ /, ''));
      assert.deepEqual(signals.sort(), ['demo/echo#1 WARN  received SIGTERM', 'demo/echo#2 WARN  received SIGTERM'], lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('demo/echo#2 stopped (exited with code 0)')), lines.join('\n'));

      const none = await svc(dir.path, 'status');
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no runner is running/);
      const reset = await svc(dir.path, 'reset');
      assert.equal(reset.code, 0, reset.stderr);
      assert.equal(existsSync(dir.path), false);
    } finally {
      if (runner.exitCode === null) process.kill(-runner.pid!, 'SIGTERM');
      dir.remove();
    }
  });

  it('stops the processes of a runner killed with SIGKILL when the next one starts on its data directory', async () => {
    const dir = tempDir('eventide-runner-cli-');
    const runner = spawn(process.execPath, [cli, 'run', 'demo', '--root', fixtureRoot('good'), '--ports', 'ephemeral'], {
      env: { ...process.env, DATA_DIR: dir.path },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const lines: string[] = [];
    createInterface({ input: runner.stdout }).on('line', (line) => lines.push(line));
    let orphans: number[] = [];
    try {
      await eventually(() => assert.ok(lines.some((l) => l.includes('after the runner process started'))), { within: 60_000, what: 'the runner to be ready' });
      const status = JSON.parse((await svc(dir.path, 'status', '--json')).stdout) as RunnerStatus;
      orphans = [status.gateway.pid!, ...status.services.flatMap((s) => s.replicas.map((r) => r.pid!))];
      const exited = once(runner, 'exit');
      process.kill(runner.pid!, 'SIGKILL');
      await exited;
      assert.deepEqual(orphans.filter(isRunning), orphans, 'its processes outlive it');

      const next: string[] = [];
      const second = await startRunner({ root: fixtureRoot('good'), systems: ['demo'], dataDir: dir.path, ports: 'ephemeral', output: (l) => next.push(l) });
      await second.close();
      assert.deepEqual(orphans.filter(isRunning), []);
      const report = next.find((l) => l.includes('left running by a runner that died'));
      assert.ok(report !== undefined && orphans.every((pid) => report.includes(String(pid))), next.join('\n'));
    } finally {
      for (const pid of orphans.filter(isRunning)) process.kill(pid, 'SIGKILL');
      dir.remove();
    }
  });

  it('stops what it started when Ctrl-C comes before everything is ready, and exits 0', async () => {
    const dir = tempDir('eventide-runner-cli-');
    const runner = spawn(process.execPath, [cli, 'start', 'demo', '--root', fixtureRoot('good'), '--ports', 'ephemeral'], {
      env: { ...process.env, DATA_DIR: dir.path },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const lines: string[] = [];
    createInterface({ input: runner.stdout }).on('line', (line) => lines.push(line));
    const exited = once(runner, 'exit');
    try {
      const started = () => lines.flatMap((l) => /started \(pid (\d+)/.exec(l)?.[1] ?? []).map(Number);
      // The gateway, the authorization server and the two services start side by side.
      await eventually(() => assert.ok(started().length >= 3), { within: 60_000, what: 'three processes to be started' });
      assert.ok(!lines.some((l) => l.includes('all ready')), 'still starting');
      process.kill(-runner.pid!, 'SIGINT');
      const [code] = await exited;
      assert.equal(code, 0, lines.join('\n'));
      assert.deepEqual(started().filter(isRunning), []);
      assert.ok(lines.some((l) => l.includes('the start was abandoned; every process is stopped')), lines.join('\n'));
    } finally {
      if (runner.exitCode === null) process.kill(-runner.pid!, 'SIGKILL');
      dir.remove();
    }
  });

  it('prints its usage and fails on an unknown command', async () => {
    const dir = tempDir('eventide-runner-cli-');
    try {
      const help = await svc(dir.path, 'help');
      assert.equal(help.code, 0);
      assert.match(help.stdout, /npm run svc -- restart <system>\/<service>/);
      const unknown = await svc(dir.path, 'launch');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /unknown command launch/);
    } finally {
      dir.remove();
    }
  });
});
