import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { eventually, freePort, infraUrl, needs, spawnNode, tempDir } from '@eventide/testing';

const dir = tempDir();
after(() => dir.remove());

/** Runs the notes service's main.ts and resolves with its exit code and what it wrote to stderr. */
async function run(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const child = spawnNode(new URL('./fixtures/main-notes.ts', import.meta.url).pathname, [], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dir.path, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stderr };
}

describe('a process that cannot start on what the operator gave it', () => {
  it('exits 1 with one line naming the variable when the configuration is wrong', async () => {
    assert.deepEqual(await run({ PORT: 'eighty' }), { code: 1, stderr: 'demo.notes: invalid configuration: PORT must be integer (got "eighty")\n' });
  });

  it('exits 1 with one line naming a variable every process reads', async () => {
    assert.deepEqual(await run({ MEMORY_REDUCER_EVERY_MS: 'often' }), { code: 1, stderr: 'demo.notes: invalid configuration: MEMORY_REDUCER_EVERY_MS must be integer (got "often")\n' });
  });

  it('exits 1 with one line naming the address when its port is taken', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const { port } = taken.address() as AddressInfo;
      assert.deepEqual(await run({ PORT: String(port) }), { code: 1, stderr: `demo.notes: 127.0.0.1:${port} is already in use\n` });
    } finally {
      taken.close();
    }
  });
});

const [postgres, mariadb] = [await needs('postgres'), await needs('mariadb')];

describe('a service whose database or broker the operator must fix first', () => {
  /** `url` with its database's name replaced by one no server has. */
  const missingDatabase = (url: string): string => Object.assign(new URL(url), { pathname: '/eventide_no_such_database' }).href;

  it('exits 1 with one line when the Kafka broker does not answer', async () => {
    const port = await freePort();
    assert.deepEqual(await run({ BUS: 'kafka', KAFKA_BROKERS: `127.0.0.1:${port}` }), {
      code: 1,
      stderr: 'demo.notes: ensuring topics demo.notes, demo.notes.dlq: the Kafka broker did not answer\n',
    });
  });

  it('exits 1 with one line when its database server does not answer', async () => {
    const port = await freePort();
    assert.deepEqual(await run({ STORE_URL: `postgres://postgres@127.0.0.1:${port}/notes` }), {
      code: 1,
      stderr: `demo.notes: database unavailable: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    });
  });

  it('[postgres] exits 1 with one line naming the database when it does not exist', postgres, async () => {
    assert.deepEqual(await run({ STORE_URL: missingDatabase(infraUrl.postgres) }), {
      code: 1,
      stderr: 'demo.notes: its store\'s database does not exist (database "eventide_no_such_database" does not exist): create it, then start again\n',
    });
  });

  it('[mariadb] exits 1 with one line naming the database when it does not exist', mariadb, async () => {
    assert.deepEqual(await run({ STORE_URL: missingDatabase(infraUrl.mariadb) }), {
      code: 1,
      stderr: "demo.notes: its store's database does not exist (Unknown database 'eventide_no_such_database'): create it, then start again\n",
    });
  });

  it('[postgres] exits 1 with one line when the server refuses its credentials', postgres, async () => {
    const stranger = Object.assign(new URL(infraUrl.postgres), { username: 'eventide_nobody' }).href;
    const { code, stderr } = await run({ STORE_URL: stranger });
    assert.equal(code, 1);
    assert.match(stderr, /^demo\.notes: its store refused the credentials \(.*eventide_nobody.*\)\n$/);
  });
});

describe('an idle process', () => {
  /** Times the kernel switched the process's main thread out, for waiting or preempted: each wake-up of its event loop is at least one. */
  const switches = (pid: number): number =>
    readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8')
      .split('\n')
      .filter((line) => line.includes('ctxt_switches'))
      .reduce((sum, line) => sum + Number(line.split(/\s+/)[1]), 0);

  // Every wake-up of seven idle processes on two cores costs a context switch each: prom-client's
  // default event-loop monitor (10 ms) alone cost 9 ms of CPU a second per process.
  it('wakes its event loop fewer than 30 times a second', { skip: process.platform !== 'linux' }, async () => {
    const port = await freePort();
    const child = spawnNode(new URL('./fixtures/main-notes.ts', import.meta.url).pathname, [], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: join(dir.path, 'idle'), LOG_LEVEL: 'silent', PORT: String(port) },
      stdio: 'ignore',
    });
    try {
      await eventually(async () => assert.equal((await fetch(`http://127.0.0.1:${port}/health/ready`)).status, 200), { within: 20_000 });
      const from = switches(child.pid!);
      const started = performance.now();
      await delay(2_000); // the measuring window, not a wait for anything to happen
      const perSecond = ((switches(child.pid!) - from) * 1_000) / (performance.now() - started);
      assert.ok(perSecond < 30, `its main thread was switched ${perSecond.toFixed(0)} times a second`);
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  });
});
