import assert from 'node:assert/strict';
import { registerHooks } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { recordingLogger } from './logger.ts';
import { startTarget, type Target } from './target.ts';

// Every module this test process resolves from here on; registered before the client is imported.
const resolved: string[] = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    resolved.push(result.url);
    return result;
  },
});
const undiciLoaded = (): boolean => resolved.some((url) => url.includes('/node_modules/undici/'));

describe('a client over its life', () => {
  let target: Target;

  before(async () => {
    target = await startTarget();
  });
  after(() => target.stop());

  it('leaves undici unloaded in a process that creates no client, and calls once one is created', async () => {
    const { createHttpClient } = await import('../src/index.ts');
    assert.equal(undiciLoaded(), false, 'importing the client loads no undici');
    const client = createHttpClient({ name: 'rental', baseUrl: target.url, timeoutMs: 1_000, logger: recordingLogger() });
    const result = await client.get('/rentals/9');
    assert.equal(result.ok, true);
    assert.equal(undiciLoaded(), true);
    await client.close();
  });

  it('throws for a call after close(), whether or not the client called before', async () => {
    const { createHttpClient } = await import('../src/index.ts');
    const used = createHttpClient({ name: 'rental', baseUrl: target.url, timeoutMs: 1_000, logger: recordingLogger() });
    const unused = createHttpClient({ name: 'rental', baseUrl: target.url, timeoutMs: 1_000, logger: recordingLogger() });
    assert.equal((await used.get('/rentals/9')).ok, true);
    await used.close();
    await unused.close();
    const before = target.received.length;
    await assert.rejects(used.get('/rentals/9'), /closed/);
    await assert.rejects(unused.get('/rentals/9'), /closed/);
    assert.equal(target.received.length, before, 'nothing reached the target');
  });

  it('lets a call sent before close() finish: close() waits for it', async () => {
    const { createHttpClient } = await import('../src/index.ts');
    const client = createHttpClient({ name: 'rental', baseUrl: target.url, timeoutMs: 1_000, logger: recordingLogger() });
    const call = client.get('/rentals/9');
    await client.close();
    assert.equal((await call).ok, true);
  });
});
