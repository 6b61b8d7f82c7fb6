import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { AppError } from '@eventide/core';
import { tempDir } from '@eventide/testing';
import { startRunner } from '../src/index.ts';
import { isRunning } from '../src/strays.ts';
import { fixtureRoot, json, quick, serviceIn, startTestRun } from './support/run.ts';

describe('starting a run', () => {
  it('runs every system together: the gateway serves each under /<system>, services on distinct ports', async () => {
    const run = await startTestRun({ systems: [], logLevel: 'info' });
    try {
      const status = await run.runner.status();
      assert.deepEqual(status.services.map((s) => s.name), ['demo/echo', 'demo/caller', 'other/ping']);
      const ports = status.services.map((s) => s.replicas[0]!.port);
      assert.equal(new Set(ports).size, 3);
      const gateway = run.runner.gatewayUrl;
      assert.deepEqual((await json(`${gateway}/demo/echo`)).body, { pid: serviceIn(status, 'demo/echo').replicas[0]!.pid });
      assert.deepEqual((await json(`${gateway}/other/ping`)).body, { pong: serviceIn(status, 'other/ping').replicas[0]!.pid });
      assert.equal((await json(`${gateway}/echo`)).status, 404);
      assert.ok(run.lines.some((l) => l.includes(`${gateway}/other/ping`)));
      // Shown from the level asked for, each line under its process's name.
      assert.ok(run.lines.some((l) => / other\/ping#1 INFO  other\.ping listening/.test(l)), run.lines.join('\n'));
    } finally {
      await run.close();
    }
  });

  it('fails naming the service that did not become ready and its last lines, and leaves nothing running', async () => {
    const dir = tempDir('eventide-runner-bad-');
    const lines: string[] = [];
    try {
      await assert.rejects(
        startRunner({ root: fixtureRoot('bad'), systems: ['crashing'], dataDir: dir.path, ports: 'ephemeral', output: (l) => lines.push(l), supervision: quick }),
        (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.match(error.message, /crashing\/boom#1 exited with code 1 before it was ready; its last lines:/);
          assert.match(error.message, /\| crashing\.boom: invalid configuration: BOOM_URL is required/);
          return true;
        },
      );
      const gatewayPid = Number(/gateway started \(pid (\d+)/.exec(lines.join('\n'))?.[1]);
      assert.ok(gatewayPid > 0, lines.join('\n'));
      assert.equal(isRunning(gatewayPid), false);
    } finally {
      dir.remove();
    }
  });

  it('refuses ports another program holds, naming each', async () => {
    // The fixture's gateway port; held here unless something else already holds it, which is refused the same way.
    const holder: Server = createServer();
    holder.listen(7188, '127.0.0.1');
    await once(holder, 'listening').catch(() => undefined);
    const dir = tempDir('eventide-runner-busy-');
    try {
      await assert.rejects(
        startRunner({ root: fixtureRoot('good'), systems: ['demo'], dataDir: dir.path, output: () => undefined }),
        (error: unknown) => error instanceof AppError && error.code === 'conflict' && /port .*7188 \(gateway\).* already in use/.test(error.message),
      );
    } finally {
      holder.close();
      dir.remove();
    }
  });

  it('refuses a second runner on the same data directory', async () => {
    const run = await startTestRun({ systems: ['other'] });
    try {
      await assert.rejects(
        startRunner({ root: fixtureRoot('good'), systems: ['other'], dataDir: run.runner.dataDir, ports: 'ephemeral', output: () => undefined }),
        /a runner \(pid \d+\) already runs on/,
      );
    } finally {
      await run.close();
    }
  });
});
