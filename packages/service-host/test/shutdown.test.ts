import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { eventually, spawnNode, tempDir } from '@eventide/testing';

const dir = tempDir();
after(() => dir.remove());

/** Starts the notes service as its own OS process and resolves with its URL once it listens. */
async function startProcess(): Promise<{ child: ChildProcess; url: string; logs: string[] }> {
  const child = spawnNode(new URL('./fixtures/main-notes.ts', import.meta.url).pathname, [], {
    env: { ...process.env, DATA_DIR: dir.path, PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '5000', DRAIN_DELAY_MS: '300' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening`)));
    lines.on('line', (line) => {
      logs.push(line);
      const entry = JSON.parse(line) as { port?: number; msg?: string };
      if (entry.msg?.endsWith('listening')) resolve(`http://127.0.0.1:${entry.port}`);
    });
  });
  return { child, url, logs };
}

describe('graceful shutdown on SIGTERM', () => {
  it('finishes the request in flight, refuses new ones, reports not ready, and exits 0', async () => {
    const { child, url, logs } = await startProcess();
    const created = await fetch(`${url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'kept', amount: 1 }),
    });
    assert.equal(created.status, 201);

    // The slow route holds the request for 300 ms; SIGTERM arrives once it has started.
    const inFlight = fetch(`${url}/slow`);
    await eventually(() => assert.ok(logs.some((line) => line.includes('slow request started'))));
    const exited = once(child, 'exit');
    child.kill('SIGTERM');

    // During the drain delay the port is open: not ready, and new requests refused unprocessed.
    await eventually(async () => assert.equal((await fetch(`${url}/health/ready`)).status, 503));
    const refused = await fetch(`${url}/notes`);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('x-draining'), '1');
    assert.ok(refused.headers.get('retry-after'));

    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { done: true });
    const [code] = await exited;
    assert.equal(code, 0, logs.join('\n'));
    assert.ok(logs.some((line) => line.includes('"msg":"demo.notes stopped"')), logs.join('\n'));
  });

  it('keeps the data of a restarted service', async () => {
    const { child, url } = await startProcess();
    const listed = (await (await fetch(`${url}/notes`)).json()) as { text: string }[];
    assert.ok(listed.some((note) => note.text === 'kept'));
    child.kill('SIGTERM');
    await once(child, 'exit');
  });
});
