import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { spawnNode, tempDir } from '@eventide/testing';

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
