import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@eventide/testing';
import { startRunner, type RunningRunner } from '../src/index.ts';
import { json, quick, serviceIn } from './support/run.ts';

/**
 * Processes run from bundles (src/bundle.ts); a developer who edits a service and restarts it
 * expects the edit to run, as when each process ran its .ts files. The system lives in a folder
 * of its own under fixtures/ (so its imports resolve from the repository's node_modules) and is
 * edited there.
 */
describe('a service edited while the run goes on', () => {
  const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
  const data = tempDir('eventide-runner-edit-');
  let root: string;
  let runner: RunningRunner;
  const main = () => join(root, 'systems', 'edited', 'version', 'main.ts');
  const service = (version: number) => `import { defineService, runService } from '@eventide/service-host';

await runService(
  defineService({
    system: 'edited',
    service: 'version',
    port: 7191,
    routes(app) {
      app.get('/version', async () => ({ version: ${version} }));
    },
  }),
);
`;

  before(async () => {
    root = await mkdtemp(join(fixtures, '.edited-'));
    await mkdir(join(root, 'systems', 'edited', 'version'), { recursive: true });
    await writeFile(
      join(root, 'systems', 'edited', 'system.ts'),
      `import { defineSystem } from '@eventide/service-host';

export default defineSystem({
  name: 'edited',
  title: 'Edited: one service whose source changes during the test',
  gatewayPort: 7198,
  services: [{ name: 'version', port: 7191, main: 'version/main.ts', routes: ['/version'] }],
});
`,
    );
    await writeFile(main(), service(1));
    runner = await startRunner({ root, systems: ['edited'], dataDir: data.path, ports: 'ephemeral', output: () => undefined, supervision: quick, auth: false });
  });
  after(async () => {
    await runner?.close();
    await rm(root, { recursive: true, force: true });
    data.remove();
  });

  const version = async () => (await json(`${runner.gatewayUrl}/version`)).body as { version: number };

  it('runs the new source after a restart, and the old one until then', async () => {
    assert.deepEqual(await version(), { version: 1 });
    await writeFile(main(), service(2));
    assert.deepEqual(await version(), { version: 1 }, 'a running process keeps the code it started with');
    const before = serviceIn(await runner.status(), 'edited/version').replicas[0]!.pid;
    await runner.restart('edited/version');
    assert.notEqual(serviceIn(await runner.status(), 'edited/version').replicas[0]!.pid, before);
    assert.deepEqual(await version(), { version: 2 });
  });
});
