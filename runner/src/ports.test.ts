import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { SystemManifest } from '@eventide/service-host';
import { isFree, pickPort, planPorts } from './ports.ts';

const system = (name: string, ports: number[], gatewayPort = 8088): SystemManifest => ({
  name,
  title: name,
  gatewayPort,
  services: ports.map((port, i) => ({ name: `s${i + 1}`, port, main: `s${i + 1}/src/main.ts`, routes: [`/r${i + 1}`] })),
});

async function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.close();
      await once(server, 'close');
    },
  };
}

describe('port plans', () => {
  it('gives a system alone its seed ports, its gateway port, and seed + 10000·k for further replicas', () => {
    const plan = planPorts([system('gdmarket', [8081, 8082])], ['gdmarket'], 'alone', 'fixed');
    assert.equal(plan.gateway, 8088);
    assert.deepEqual(plan.candidates('gdmarket', 's2').slice(0, 3), [8082, 18082, 28082]);
    assert.ok(plan.candidates('gdmarket', 's1').every((port) => port <= 65_535));
  });

  it('puts systems together on 8080 and 9000 + 100·i + j, so equal seed ports never clash', () => {
    const a = system('alpha', [8081, 8082]);
    const b = system('beta', [8081]);
    const plan = planPorts([a, b], ['alpha', 'beta', 'gamma'], 'together', 'fixed');
    assert.equal(plan.gateway, 8080);
    assert.deepEqual(plan.candidates('alpha', 's1').slice(0, 2), [9101, 9111]);
    assert.equal(plan.candidates('alpha', 's2')[0], 9102);
    assert.equal(plan.candidates('beta', 's1')[0], 9201);
  });

  it('keeps a system’s ports when only some systems run together: positions count among all discovered', () => {
    const plan = planPorts([system('beta', [8081])], ['alpha', 'beta'], 'together', 'fixed');
    assert.equal(plan.candidates('beta', 's1')[0], 9201);
  });

  it('leaves every port to the OS in ephemeral mode', () => {
    const plan = planPorts([system('gdmarket', [8081])], ['gdmarket'], 'alone', 'ephemeral');
    assert.equal(plan.gateway, 0);
    assert.deepEqual(plan.candidates('gdmarket', 's1'), []);
  });
});

describe('choosing a port', () => {
  it('sees a port in use as taken', async () => {
    const held = await occupy();
    try {
      assert.equal(await isFree(held.port), false);
    } finally {
      await held.close();
    }
    assert.equal(await isFree(held.port), true);
  });

  it('skips candidates the run holds or another program listens on', async () => {
    const held = await occupy();
    const ours = await occupy();
    await ours.close();
    const spare = await occupy();
    await spare.close();
    try {
      assert.equal(await pickPort([held.port, ours.port, spare.port], new Set([ours.port])), spare.port);
    } finally {
      await held.close();
    }
  });

  it('falls back to a port from the OS when every candidate is taken', async () => {
    const held = await occupy();
    try {
      const port = await pickPort([held.port], new Set());
      assert.notEqual(port, held.port);
      assert.ok(port > 0);
    } finally {
      await held.close();
    }
  });
});
