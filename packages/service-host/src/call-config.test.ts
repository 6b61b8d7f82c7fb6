import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Type from 'typebox';
import { callConfig } from './call-config.ts';
import { ConfigError, loadConfig } from './config.ts';

const stock = callConfig('STOCK', { url: 'http://127.0.0.1:8082', maxQueued: 256 });
const schema = Type.Object({ ...stock.schema.properties, OWN_SETTING: Type.Integer({ default: 1 }) });

describe('the configuration of a synchronous call', () => {
  it('gives the client options from its variables, with the platform defaults and the ones the service chose', () => {
    const config = loadConfig({ PORT: '1' }, { extra: schema });
    assert.deepEqual(stock.options(config), {
      name: 'stock',
      baseUrl: 'http://127.0.0.1:8082',
      timeoutMs: 2_000,
      retry: { maxAttempts: 2 },
      breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000 },
      bulkhead: { limit: 32, queue: 256 },
    });
    assert.equal(config.OWN_SETTING, 1);
  });

  it('takes each value from its prefixed variable', () => {
    const env = {
      PORT: '1',
      STOCK_URL: 'https://stock.internal/api',
      STOCK_TIMEOUT_MS: '500',
      STOCK_RETRY_ATTEMPTS: '3',
      STOCK_BREAKER_FAILURES: '7',
      STOCK_HALF_OPEN_AFTER_MS: '200',
      STOCK_MAX_IN_FLIGHT: '4',
      STOCK_MAX_QUEUED: '0',
    };
    assert.deepEqual(stock.options(loadConfig(env, { extra: schema })), {
      name: 'stock',
      baseUrl: 'https://stock.internal/api',
      timeoutMs: 500,
      retry: { maxAttempts: 3 },
      breaker: { consecutiveFailures: 7, halfOpenAfterMs: 200 },
      bulkhead: { limit: 4, queue: 0 },
    });
  });

  it('refuses a bad value naming the variable', () => {
    assert.throws(() => loadConfig({ PORT: '1', STOCK_URL: 'ftp://stock' }, { extra: schema }), (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /STOCK_URL must match pattern/);
      return true;
    });
    assert.throws(() => loadConfig({ PORT: '1', STOCK_MAX_IN_FLIGHT: '0' }, { extra: schema }), /STOCK_MAX_IN_FLIGHT must be >= 1/);
  });
});
