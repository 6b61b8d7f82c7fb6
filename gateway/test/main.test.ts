import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { eventually, spawnNode, tempDir } from '@eventide/testing';
import { call } from './support/harness.ts';
import { startFakeService, type FakeService } from './support/upstream.ts';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function run(env: Record<string, string>) {
  const child = spawnNode(main, [], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: { msg?: string; url?: string }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line) as { msg?: string; url?: string }));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, lines, stderr: () => stderr };
}

describe('the gateway process started from the environment', () => {
  let service: FakeService;
  const dir = tempDir('eventide-gateway-main-');
  const routesFile = join(dir.path, 'routes.json');

  before(async () => {
    service = await startFakeService('s');
    writeFileSync(routesFile, JSON.stringify({ routes: [{ prefix: '/items', service: 'shop/item' }], upstreams: { 'shop/item': [service.url] } }));
  });
  after(async () => {
    await service.close();
    dir.remove();
  });

  it('routes from GATEWAY_ROUTES_FILE on PORT, and drains and exits 0 on SIGTERM', async () => {
    const { child, lines } = run({ GATEWAY_ROUTES_FILE: routesFile, PORT: '0', HOST: '127.0.0.1', GATEWAY_AUTH: 'off' });
    const url = await eventually(() => {
      const listening = lines.find((l) => l.msg === 'gateway listening');
      assert.ok(listening?.url);
      return listening.url;
    }, { within: 30_000, what: 'the gateway process to listen' });
    assert.equal((await call(`${url}/items/1`)).headers['x-replica'], 's');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
    assert.ok(lines.some((l) => l.msg === 'gateway stopped'));
  });

  it('exits 1 with one line naming the problem when the configuration is wrong', async () => {
    for (const [env, message] of [
      [{ PORT: '0' }, /GATEWAY_ROUTES_FILE/],
      [{ GATEWAY_ROUTES_FILE: routesFile, PORT: 'eighty' }, /PORT must be integer/],
      [{ GATEWAY_ROUTES_FILE: join(dir.path, 'missing.json'), PORT: '0', GATEWAY_AUTH: 'off' }, /missing\.json does not exist/],
      [{ GATEWAY_ROUTES_FILE: routesFile, PORT: '0' }, /GATEWAY_AUTH is on: set GATEWAY_AUTH_ISSUER and GATEWAY_AUTH_AUDIENCE/],
      [{ GATEWAY_ROUTES_FILE: routesFile, PORT: '0', GATEWAY_AUTH_ISSUER: 'http://a', GATEWAY_AUTH_AUDIENCE: 'x', GATEWAY_AUTH_ALGORITHMS: 'HS256' }, /GATEWAY_AUTH_ALGORITHMS/],
    ] as const) {
      const { child, stderr } = run(env);
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 1);
      assert.match(stderr(), message);
    }
  });
});
