import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import Type from 'typebox';
import { formParameters } from './form.ts';
import { createHttp } from './http.ts';
import { createMetrics } from './metrics.ts';

function app() {
  const http = createHttp({
    logger: pino({ level: 'silent' }),
    bodyLimit: 1024,
    metrics: createMetrics({ system: 'test', service: 'form' }, { lag: async () => 0, backlog: async () => 0 }),
    ready: async () => undefined,
    draining: () => false,
  });
  http.get('/sales/:saleId', { schema: { params: Type.Object({ saleId: Type.Integer() }) } }, async (request) => ({ saleId: request.params.saleId }));
  http.post('/sales', formParameters(Type.Object({ productId: Type.String({ minLength: 1 }), qty: Type.Number({ exclusiveMinimum: 0 }) })), async (request) => ({
    productId: request.body.productId,
    qty: request.body.qty,
  }));
  return http;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('form parameters, as the originals took them with @RequestParam', () => {
  it('takes a form body and coerces its strings by the schema', async () => {
    const response = await app().inject({ method: 'POST', url: '/sales', headers: form, payload: 'productId=CD1001&qty=50' });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { productId: 'CD1001', qty: 50 });
  });

  it('takes the query string when there is no body, and lets the body win over it', async () => {
    const query = await app().inject({ method: 'POST', url: '/sales?productId=CD1004&qty=2.5' });
    assert.deepEqual(query.json(), { productId: 'CD1004', qty: 2.5 });
    const both = await app().inject({ method: 'POST', url: '/sales?qty=1&productId=X', headers: form, payload: 'productId=CD1001' });
    assert.deepEqual(both.json(), { productId: 'CD1001', qty: 1 });
  });

  it('refuses a missing or malformed parameter with a 400 naming it', async () => {
    const missing = await app().inject({ method: 'POST', url: '/sales', headers: form, payload: 'productId=CD1001' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /qty/);
    const malformed = await app().inject({ method: 'POST', url: '/sales', headers: form, payload: 'productId=CD1001&qty=lots' });
    assert.equal(malformed.statusCode, 400);
    assert.match(malformed.body, /qty/);
    const negative = await app().inject({ method: 'POST', url: '/sales?productId=CD1001&qty=-3' });
    assert.equal(negative.statusCode, 400);
  });

  it('refuses a number too large to be finite (1e400) with a 400, from a form, a query or a JSON string', async () => {
    const refusals = [
      { headers: form, payload: 'productId=CD1001&qty=1e400' },
      { url: '/sales?productId=CD1001&qty=1e400' },
      { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ productId: 'CD1001', qty: '1e400' }) },
    ];
    for (const { url = '/sales', ...request } of refusals) {
      const response = await app().inject({ method: 'POST', url, ...request });
      assert.equal(response.statusCode, 400, `${url} ${request.payload ?? ''}: ${response.body}`);
      assert.deepEqual(response.json().violations, [{ field: '/qty', rule: 'must be a finite number' }]);
    }
  });

  it('refuses a number that is not written in decimal (0x10, " 5", 0b1, Infinity) in a form, a query, a JSON string or a path', async () => {
    // Ajv's coercion takes any text JavaScript reads as a number: "0x10" became 16, " 5" became 5.
    const refusals = [
      { headers: form, payload: 'productId=CD1001&qty=0x10', field: '/qty' },
      { url: '/sales?productId=CD1001&qty=%205', field: '/qty' },
      { url: '/sales?productId=CD1001&qty=Infinity', field: '/qty' },
      { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ productId: 'CD1001', qty: '0b1' }), field: '/qty' },
      { method: 'GET' as const, url: '/sales/0x10', field: '/saleId' },
    ];
    for (const { url = '/sales', method = 'POST' as const, field, ...request } of refusals) {
      const response = await app().inject({ method, url, ...request });
      assert.equal(response.statusCode, 400, `${url} ${request.payload ?? ''}: ${response.body}`);
      assert.deepEqual(response.json().violations, [{ field, rule: field === '/qty' ? 'must be number, written in decimal' : 'must be integer, written in decimal' }]);
    }
    const decimal = await app().inject({ method: 'POST', url: '/sales?productId=CD1001&qty=%2B.5e1' });
    assert.deepEqual(decimal.json(), { productId: 'CD1001', qty: 5 });
    const path = await app().inject({ method: 'GET', url: '/sales/16' });
    assert.deepEqual(path.json(), { saleId: 16 });
  });
});
