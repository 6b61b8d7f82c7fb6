import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startFakeUpstream, type FakeUpstream } from '../src/fake-upstream.ts';

describe('a fake upstream', () => {
  let upstream: FakeUpstream;
  let counted = 0;
  before(async () => {
    upstream = await startFakeUpstream(({ method, url, body }) => {
      if (method === 'POST' && url.pathname === '/count') {
        counted += Number(body);
        return { status: 200, body: counted };
      }
      if (url.pathname === '/empty') return { status: 204 };
      return { status: 404, body: { status: 404, detail: 'no such route' } };
    });
  });
  after(() => upstream.stop());

  const post = (n: number) => fetch(`${upstream.url}/count`, { method: 'POST', body: String(n) });

  it('answers from its answer function, problems as problem+json, and records every call', async () => {
    const calls = upstream.calls.length;
    const counting = await post(2);
    assert.equal(counting.headers.get('content-type'), 'application/json');
    assert.equal(await counting.json(), counted);
    const missing = await fetch(`${upstream.url}/nothing?x=1`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(await missing.json(), { status: 404, detail: 'no such route' });
    const empty = await fetch(`${upstream.url}/empty`, { method: 'DELETE' });
    assert.equal(empty.status, 204);
    assert.equal(await empty.text(), '');
    assert.deepEqual(upstream.calls.slice(calls), ['POST /count', 'GET /nothing?x=1', 'DELETE /empty']);
  });

  it('held, applies a call at once and answers it at release', async () => {
    const before = counted;
    upstream.hold();
    const reached = upstream.nextCall();
    const answer = post(5);
    await reached;
    // An absence can only be watched for a while: 200 ms is many loopback round trips.
    const first = await Promise.race([answer.then(() => 'answered'), delay(200).then(() => 'still held')]);
    assert.equal(first, 'still held');
    assert.equal(counted, before + 5, 'applied before the answer');
    upstream.release();
    assert.equal(await (await answer).json(), before + 5);
  });

  it('stopped, refuses connections; started again, answers on the same port', async () => {
    const url = upstream.url;
    await upstream.stop();
    await assert.rejects(post(1), /fetch failed/);
    await upstream.start();
    assert.equal(upstream.url, url);
    assert.equal((await post(1)).status, 200);
  });
});
