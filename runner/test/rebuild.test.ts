import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@eventide/testing';
import { fixtureRoot, json, serviceIn, startTestRun, type TestRun } from './support/run.ts';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function rebuild(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'rebuild', ...args], { env: { ...process.env, DATA_DIR: dataDir } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

describe('npm run rebuild', () => {
  let run: TestRun;
  let dataDir: string;
  let boardUrl: string;
  const board = async () => (await json(`${boardUrl}/board`)).body as { noteId: string }[];

  before(async () => {
    run = await startTestRun({ root: fixtureRoot('views') });
    const status = await run.runner.status();
    dataDir = status.dataDir;
    boardUrl = serviceIn(status, 'views/board').replicas[0]!.url;
    for (const noteId of ['n1', 'n2', 'n3']) {
      const posted = await json(`${boardUrl}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ noteId, text: noteId }) });
      assert.equal(posted.status, 201);
    }
    await eventually(async () => assert.equal((await board()).length, 3), { what: 'the board to show three notes' });
  });
  after(() => run?.close());

  it('rebuilds a read model of a service the runner runs, and says how many events it replayed and how long it took', async () => {
    const rows = await board();
    const result = await rebuild(dataDir, 'views', 'board', 'board');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^views\/board board: 3 events replayed \(0 skipped\) in \d+ ms$/m);
    assert.deepEqual(await board(), rows);
  });

  it('lists the read models without a name, and fails naming the answer for an unknown one', async () => {
    const listed = await rebuild(dataDir, 'views', 'board');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /views\/board read models: board/);
    const unknown = await rebuild(dataDir, 'views', 'board', 'nothing');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /answered 404/);
    const noService = await rebuild(dataDir, 'views', 'ghost', 'board');
    assert.equal(noService.code, 1);
    assert.match(noService.stderr, /the runner runs no views\/ghost/);
  });

  it('rebuilds on a service named by --url, as one started by hand', async () => {
    const result = await rebuild('/nonexistent', 'views', 'board', 'board', '--url', boardUrl);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /3 events replayed/);
  });

  it('is not reachable through the gateway', async () => {
    const { gatewayUrl } = run.runner;
    assert.equal((await fetch(`${gatewayUrl}/views/board`)).status, 200, "the gateway routes the manifest's prefixes");
    for (const path of ['/admin/read-models/board/rebuild', '/views/admin/read-models/board/rebuild']) {
      assert.equal((await fetch(`${gatewayUrl}${path}`, { method: 'POST' })).status, 404, path);
    }
  });

  it('refuses a service with several replicas, whose others would keep consuming', async () => {
    await run.runner.scale('views/board', 2);
    const result = await rebuild(dataDir, 'views', 'board', 'board');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /views\/board runs 2 replicas; .*scale views\/board 1 first/);
    await run.runner.scale('views/board', 1);
  });
});
