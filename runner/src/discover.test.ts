import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { AppError } from '@eventide/core';
import { discoverSystems, selectSystems } from './discover.ts';

const fixtures = (name: string) => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));

describe('discovering systems', () => {
  it('imports every systems/*/system.ts, sorted by name', async () => {
    const found = await discoverSystems(fixtures('good'));
    assert.deepEqual(
      found.map((s) => [s.manifest.name, s.manifest.services.map((x) => x.name)]),
      [
        ['demo', ['echo', 'caller']],
        ['other', ['ping']],
      ],
    );
    assert.ok(found[0]!.dir.endsWith('/systems/demo'));
  });

  it('reads the repository’s own manifests', async () => {
    const found = await discoverSystems(fileURLToPath(new URL('../../', import.meta.url)));
    const gdmarket = found.find((s) => s.manifest.name === 'gdmarket');
    assert.equal(gdmarket?.manifest.gatewayPort, 8088);
    assert.deepEqual(gdmarket?.manifest.services.map((s) => s.port), [8081, 8082, 8083]);
  });

  it('names the file and every broken rule of a manifest it cannot run', async () => {
    await assert.rejects(discoverSystems(fixtures('invalid')), (error: unknown) => {
      assert.ok(error instanceof AppError && error.code === 'validation');
      for (const part of ['wrong/system.ts', 'folder', 'listed twice', 'a.port', 'route a must start with /', 'calls.B_URL names b']) {
        assert.ok(error.message.includes(part), `${part} in ${error.message}`);
      }
      return true;
    });
  });

  it('selects the named systems, or all when none is named, and refuses an unknown name listing the known', async () => {
    const found = await discoverSystems(fixtures('good'));
    assert.deepEqual(selectSystems(found, ['other']).map((s) => s.manifest.name), ['other']);
    assert.equal(selectSystems(found, []).length, 2);
    assert.throws(() => selectSystems(found, ['nope']), /no system named nope; known: demo, other/);
  });
});
