import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '@eventide/core';
import { memoryOptions, overridePrefix, overridesOf, replicaEnv } from './env.ts';

const prefixes = [overridePrefix('gdmarket', 'item'), overridePrefix('gdmarket', 'payment')];

describe('a replica’s environment', () => {
  it('hands a service its own <SYSTEM>_<SERVICE>_ variables without the prefix', () => {
    const base = { GDMARKET_PAYMENT_STORE_URL: 'mysql://root@127.0.0.1:3306/payment', BUS: 'kafka' };
    const env = replicaEnv({ base, service: { system: 'gdmarket', service: 'payment' }, prefixes, owned: { PORT: '8083' } });
    assert.equal(env.STORE_URL, 'mysql://root@127.0.0.1:3306/payment');
    assert.equal(env.BUS, 'kafka');
    assert.equal(env.PORT, '8083');
  });

  it('keeps another service’s overrides out of a process', () => {
    const base = { GDMARKET_PAYMENT_STORE_URL: 'mysql://root:secret@db/payment', PATH: '/usr/bin' };
    const env = replicaEnv({ base, service: { system: 'gdmarket', service: 'item' }, prefixes, owned: { PORT: '8081' } });
    assert.equal(env.STORE_URL, undefined);
    assert.equal(env.GDMARKET_PAYMENT_STORE_URL, undefined);
    assert.equal(env.PATH, '/usr/bin');
  });

  it('lets the runner’s values win over the inherited ones, and an override win over both', () => {
    const base = { PORT: '1', LOG_LEVEL: 'warn', DATA_DIR: 'x', GDMARKET_ITEM_LOG_LEVEL: 'debug' };
    const env = replicaEnv({ base, service: { system: 'gdmarket', service: 'item' }, prefixes, owned: { PORT: '8081', DATA_DIR: '/data', LOG_LEVEL: 'info' } });
    assert.deepEqual([env.PORT, env.DATA_DIR, env.LOG_LEVEL], ['8081', '/data', 'debug']);
  });

  it('gives the gateway no service’s overrides', () => {
    const base = { GDMARKET_ITEM_STORE_URL: 'postgres://db/item', GATEWAY_PROBE_INTERVAL_MS: '100' };
    const env = replicaEnv({ base, prefixes, owned: { PORT: '8088' } });
    assert.deepEqual(env, { GATEWAY_PROBE_INTERVAL_MS: '100', PORT: '8088' });
  });

  it('refuses an override of the port the runner assigns', () => {
    assert.throws(
      () => overridesOf({ GDMARKET_ITEM_PORT: '9999' }, 'gdmarket', 'item'),
      (error: unknown) => error instanceof AppError && error.code === 'validation' && error.message.includes('GDMARKET_ITEM_PORT'),
    );
  });

  it('spells prefixes in upper case with other characters as _', () => {
    assert.equal(overridePrefix('gas-station', 'item.info'), 'GAS_STATION_ITEM_INFO_');
  });
});

describe('memory options of a process', () => {
  it('limits the young and old generations and the malloc arenas, and lets the memory reducer collect', () => {
    assert.deepEqual(memoryOptions({}), { NODE_OPTIONS: '--expose-gc --max-semi-space-size=4 --max-old-space-size=64', MALLOC_ARENA_MAX: '2' });
  });

  it('keeps what the caller gave, and its sizes win', () => {
    const given = memoryOptions({ NODE_OPTIONS: '--enable-source-maps --max-old-space-size=256', MALLOC_ARENA_MAX: '4' });
    assert.deepEqual(given, { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=256 --expose-gc --max-semi-space-size=4', MALLOC_ARENA_MAX: '4' });
  });
});
