import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { before, describe, it } from 'node:test';
import { eventually } from '../src/eventually.ts';
import { spawnNode } from '../src/processes.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

describe('a child spawned in a before hook', () => {
  let child: ChildProcess;
  let lines: AsyncIterator<string>;
  before(async () => {
    child = spawnNode(fixture('echo.ts'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
    lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    await lines.next();
  });

  it('still runs in the tests after the hook', async () => {
    assert.equal(child.killed, false);
    child.stdin!.write('still there\n');
    assert.deepEqual(await lines.next(), { value: 'still there', done: false });
  });
});

describe('a test file that leaves its child running', () => {
  it('has it killed when the file ends', async () => {
    const run = spawnNode(fixture('spawn-in-before.ts'), [], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    run.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(run, 'exit')) as [number];
    assert.equal(code, 0, output);
    const pid = Number(/child pid (\d+)/.exec(output)?.[1]);
    assert.ok(pid > 0, output);
    await eventually(() => assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }), { what: `child ${pid} to be gone` });
  });
});
