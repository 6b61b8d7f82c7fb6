import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@eventide/testing';
import { callControl, controlSocketPath } from '../src/control.ts';
import { json, serviceIn, startTestRun, type TestRun } from './support/run.ts';

describe('a system run alone', () => {
  let run: TestRun;
  before(async () => {
    run = await startTestRun({ systems: ['demo'] });
  });
  after(() => run?.close());

  const gateway = () => run.runner.gatewayUrl;
  const echo = async () => serviceIn(await run.runner.status(), 'demo/echo');
  const home = async () => (await echo()).replicas[0]!;

  it('starts every service and the gateway, prints the table with all ready, the time it took and the URLs to try', async () => {
    const text = run.lines.join('\n');
    assert.match(text, /service\s+replicas\s+port\(s\)\s+pid\(s\)\s+ready/);
    assert.match(text, /demo\/echo\s+1\/1\s+\d+\s+\d+\s+yes/);
    assert.match(text, /demo\/caller\s+1\/1\s+\d+\s+\d+\s+yes/);
    assert.match(text, /gateway\s+1\/1\s+\d+\s+\d+\s+yes/);
    assert.match(text, /all ready in \d+ ms/);
    assert.ok(text.includes(`${gateway()}/echo`), text);
    assert.ok(run.runner.readyInMs > 0);
    // Quiet by default: the processes' info lines are kept for failure reports, not shown.
    assert.deepEqual(run.lines.filter((line) => / INFO /.test(line)), []);
  });

  it('routes the seed’s own paths and the /<system> paths through the gateway', async () => {
    const { pid } = await home();
    assert.deepEqual((await json(`${gateway()}/echo`)).body, { pid });
    assert.deepEqual((await json(`${gateway()}/demo/echo`)).body, { pid });
  });

  it('hands a caller the address of the service it calls', async () => {
    const { status, body } = await json(`${gateway()}/relay`);
    assert.equal(status, 200);
    assert.equal(body.echoUrl, (await home()).url);
    assert.deepEqual(body.echo, { pid: (await home()).pid });
  });

  it('restarts a replica killed with SIGKILL, on its own port', async () => {
    const killed = await home();
    process.kill(killed.pid!, 'SIGKILL');
    const back = await eventually(
      async () => {
        const replica = await home();
        assert.ok(replica.pid !== undefined && replica.pid !== killed.pid && replica.state === 'ready', JSON.stringify(replica));
        return replica;
      },
      { within: 60_000, what: 'demo/echo#1 to come back' },
    );
    assert.equal(back.port, killed.port);
    assert.equal(back.restarts, killed.restarts + 1);
    assert.equal(back.lastExit, 'killed by SIGKILL');
    await eventually(async () => assert.deepEqual((await json(`${gateway()}/echo`)).body, { pid: back.pid }), { within: 10_000 });
  });

  it('restarts the gateway when it dies, on its port, with the current routes', async () => {
    const before = (await run.runner.status()).gateway;
    process.kill(before.pid!, 'SIGKILL');
    await eventually(
      async () => {
        const now = (await run.runner.status()).gateway;
        assert.ok(now.pid !== undefined && now.pid !== before.pid && now.ready, JSON.stringify(now));
      },
      { within: 60_000, what: 'the gateway to come back' },
    );
    assert.deepEqual((await json(`${gateway()}/echo`)).body, { pid: (await home()).pid });
  });

  it('kills and restarts a replica whose liveness stops answering', async () => {
    const frozen = await home();
    assert.equal((await json(`${frozen.url}/freeze`, { method: 'POST' })).status, 200);
    const back = await eventually(
      async () => {
        const replica = await home();
        assert.ok(replica.pid !== undefined && replica.pid !== frozen.pid && replica.state === 'ready', JSON.stringify(replica));
        return replica;
      },
      { within: 60_000, what: 'the frozen replica to be replaced' },
    );
    assert.equal(back.lastExit, 'killed by SIGKILL');
    assert.ok(run.lines.some((line) => line.includes('demo/echo#1 /health/live failed 3 times in a row')));
  });

  it('scales to two replicas that both get traffic through the gateway, and back to the first', async () => {
    const scaled = await run.runner.scale('demo/echo', 2);
    assert.equal(scaled.replicas.length, 2);
    const pids = new Set(scaled.replicas.map((r) => r.pid));
    const served = new Set<number>();
    await eventually(
      async () => {
        served.add((await json(`${gateway()}/echo`)).body.pid);
        assert.deepEqual([...served].sort(), [...pids].sort());
      },
      { within: 10_000, what: 'both replicas to answer through the gateway' },
    );

    const first = scaled.replicas[0]!;
    const back = await run.runner.scale('demo/echo', 1);
    assert.deepEqual(back.replicas.map((r) => [r.n, r.port, r.pid]), [[first.n, first.port, first.pid]]);
    assert.deepEqual((await json(`${gateway()}/echo`)).body, { pid: first.pid });
  });

  it('restarts rolling under steady load through the gateway without failing a request', async (t) => {
    const old = await home();
    const served = new Set<number>();
    const failures: string[] = [];
    let sent = 0;
    let done = false;
    const limit = 30_000;
    const worker = async () => {
      while (!done && sent < limit) {
        sent += 1;
        try {
          const { status, body } = await json(`${gateway()}/echo`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ n: sent }),
          });
          if (status === 200) served.add(body.pid);
          else failures.push(`${status} ${JSON.stringify(body)}`);
        } catch (error) {
          failures.push(String((error as Error).cause ?? error));
        }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    await eventually(() => assert.ok(sent >= 200), { within: 10_000, what: 'traffic before the restart' });

    const restarted = await run.runner.restart('demo/echo');
    const atEnd = sent;
    await eventually(() => assert.ok(sent >= atEnd + 200), { within: 10_000, what: 'traffic after the restart' });
    done = true;
    await Promise.all(workers);

    t.diagnostic(`${sent} requests during the restart, ${failures.length} failed, served by ${served.size} processes`);
    const now = restarted.replicas[0]!;
    assert.ok(!run.lines.some((line) => line.includes('did not confirm')), 'the gateway confirmed every routing change');
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${sent} requests failed`);
    assert.equal(restarted.replicas.length, 1);
    assert.equal(now.port, old.port, 'the replica is back on its own port');
    assert.notEqual(now.pid, old.pid);
    // The old process, the stand-in and the new process each served some of the requests.
    assert.ok(served.has(old.pid!) && served.has(now.pid!) && served.size === 3, `served by ${[...served]} (old ${old.pid}, new ${now.pid})`);
  });

  it('stops a service so the gateway answers 503 with Retry-After, and starts it again', async () => {
    const stopped = await run.runner.stop('demo/echo');
    assert.equal(stopped.state, 'stopped');
    assert.deepEqual(stopped.replicas, []);
    const refused = await json(`${gateway()}/echo`);
    assert.equal(refused.status, 503);
    assert.ok(refused.headers.get('retry-after'));

    const started = await run.runner.start('demo/echo');
    assert.equal(started.state, 'running');
    const replica = started.replicas[0]!;
    assert.equal(replica.port, (await run.runner.status()).services[0]!.replicas[0]!.port);
    assert.deepEqual((await json(`${gateway()}/echo`)).body, { pid: replica.pid });
    // Its caller still reaches it at the address it was given.
    assert.deepEqual((await json(`${gateway()}/relay`)).body.echo, { pid: replica.pid });
  });

  it('reports a start that fails, and starts once the cause is gone', async () => {
    const { port } = await home();
    await run.runner.stop('demo/echo');
    // Holds the port and hangs up on whoever connects (the runner's readiness probes).
    const holder = createServer((socket) => socket.destroy()).listen(port, '127.0.0.1');
    await once(holder, 'listening');
    try {
      await assert.rejects(run.runner.start('demo/echo'), /demo\/echo#1 exited with code 1 before it was ready; its last lines:[^]*demo.echo: 127.0.0.1:\d+ is already in use/);
    } finally {
      holder.close();
      await once(holder, 'close');
    }
    assert.equal((await echo()).state, 'stopped');
    const started = await run.runner.start('demo/echo');
    assert.equal(started.replicas[0]!.port, port);
    assert.equal((await json(`${gateway()}/echo`)).status, 200);
  });

  it('answers control commands over its socket, with problem bodies for bad ones', async () => {
    const socket = controlSocketPath(run.runner.dataDir);
    const status = await callControl(socket, 'GET', '/status');
    assert.equal(status.status, 200);
    assert.equal((status.body as { phase: string }).phase, 'running');

    const tooMany = await callControl(socket, 'POST', '/services/demo/echo/scale', { replicas: 6 });
    assert.equal(tooMany.status, 400);
    assert.match((tooMany.body as { detail: string }).detail, /from 1 to 5/);
    assert.equal((await callControl(socket, 'POST', '/services/demo/echo/scale', {})).status, 400);
    const unknown = await callControl(socket, 'POST', '/services/demo/nope/restart');
    assert.equal(unknown.status, 404);
    assert.match((unknown.body as { detail: string }).detail, /running: demo\/echo, demo\/caller/);
    assert.equal((await callControl(socket, 'GET', '/nothing')).status, 404);
  });
});
