import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { eventually, tempDir } from '@eventide/testing';
import { ConfigError, loadConfig, startService, type RunningService } from '../src/index.ts';
import { notes, tally } from './fixtures/notes.ts';

const dir = tempDir();
const env = { DATA_DIR: dir.path, PORT: '0', LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '5000' };
const json = { 'content-type': 'application/json' };

describe('configuration', () => {
  it('names a missing variable', () => {
    assert.throws(() => loadConfig({ BUS: 'kafka', PORT: '1' }), (e: Error) => e instanceof ConfigError && /KAFKA_BROKERS is required/.test(e.message));
  });

  it('names an invalid value and what was given', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT must be integer \(got "eighty"\)/);
    assert.throws(() => loadConfig({ PORT: '1', BUS: 'rabbit' }), /BUS must be one of embedded, kafka \(got "rabbit"\)/);
  });

  it('applies defaults and coerces numbers', () => {
    const config = loadConfig({ PORT: '8081' });
    assert.equal(config.PORT, 8081);
    assert.equal(config.BUS, 'embedded');
    assert.equal(config.SHUTDOWN_TIMEOUT_MS, 10_000);
  });

  it('stops a service process with one line naming the variable', () => {
    const result = spawnSync(process.execPath, [new URL('./fixtures/main-notes.ts', import.meta.url).pathname], {
      env: { ...process.env, ...env, BUS: 'kafka', KAFKA_BROKERS: '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(result.status, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /^demo\.notes: invalid configuration: KAFKA_BROKERS is required when BUS=kafka$/);
  });
});

describe('a service on the embedded bus', () => {
  let noteService: RunningService;
  let tallyService: RunningService;

  before(async () => {
    noteService = await startService(notes, { env });
    tallyService = await startService(tally, { env });
  });
  after(async () => {
    await noteService.close();
    await tallyService.close();
    dir.remove();
  });

  const post = (body: unknown, headers: Record<string, string> = json) =>
    fetch(`${noteService.url}/notes`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const tallyNow = async () => (await (await fetch(`${tallyService.url}/tally`)).json()) as { entries: number; total: number };
  const noteCount = async () => ((await (await fetch(`${noteService.url}/notes`)).json()) as unknown[]).length;

  it('answers liveness and readiness separately', async () => {
    const live = await fetch(`${noteService.url}/health/live`);
    assert.equal(live.status, 200);
    const ready = await fetch(`${tallyService.url}/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'UP' });
  });

  it('creates with 201 and Location, and another service reacts to the event', async () => {
    const before = await tallyNow();
    const response = await post({ text: 'first', amount: 5 });
    assert.equal(response.status, 201);
    const created = (await response.json()) as { noteNo: number };
    assert.equal(response.headers.get('location'), `/notes/${created.noteNo}`);
    await eventually(async () => assert.deepEqual(await tallyNow(), { entries: before.entries + 1, total: before.total + 5 }), {
      what: 'the tally to count the note',
    });
  });

  it('rejects bad input with a problem naming the field and the rule, writing and publishing nothing', async () => {
    const notesBefore = await noteCount();
    const cases = [
      { body: { text: 'x', amount: 'lots' }, field: '/amount', rule: /integer/ },
      { body: { amount: 1 }, field: '/text', rule: /required/ },
      { body: { text: 'x', amount: -1 }, field: '/amount', rule: />= 0/ },
      { body: { text: 'x', amount: 1, extra: true }, field: '/extra', rule: /not a known field/ },
      // Ajv's coercion would make these 0, 1 and "": a JSON null or boolean is not a number or a text.
      { body: { text: 'x', amount: null }, field: '/amount', rule: /must be integer/ },
      { body: { text: 'x', amount: true }, field: '/amount', rule: /must be integer/ },
      { body: { text: null, amount: 1 }, field: '/text', rule: /must be string/ },
    ];
    for (const { body, field, rule } of cases) {
      const response = await post(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      const problem = (await response.json()) as { status: number; violations: { field: string; rule: string }[] };
      assert.equal(problem.status, 400);
      const violation = problem.violations.find((v) => v.field === field);
      assert.ok(violation, `${JSON.stringify(problem)} names ${field}`);
      assert.match(violation.rule, rule);
    }
    // A choice between words names the words, once, not one Ajv error per word it is not.
    const unknownOrder = await fetch(`${noteService.url}/notes?order=sideways`);
    assert.equal(unknownOrder.status, 400);
    assert.deepEqual(((await unknownOrder.json()) as { violations: unknown[] }).violations, [{ field: '/order', rule: 'must be one of oldest, newest' }]);
    const malformed = await post('{"text": "x", ');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { status: number }).status, 400);
    // Valid JSON, refused for its key (prototype poisoning): the answer must not call it invalid JSON alone.
    const poisoned = await post('{"text": "x", "amount": 1, "__proto__": {"admin": true}}');
    assert.equal(poisoned.status, 400);
    assert.match(((await poisoned.json()) as { detail: string }).detail, /__proto__/);
    const huge = await post({ text: 'x'.repeat(2_000_000), amount: 1 });
    assert.equal(huge.status, 413);
    for (const type of ['text/csv', 'text/plain']) {
      const wrongType = await post('text=x', { 'content-type': type });
      assert.equal(wrongType.status, 415, type);
      assert.match(((await wrongType.json()) as { detail: string }).detail, new RegExp(type), type);
    }
    const compressed = await post(JSON.stringify({ text: 'x', amount: 1 }), { ...json, 'content-encoding': 'gzip' });
    assert.equal(compressed.status, 415);
    assert.match(((await compressed.json()) as { detail: string }).detail, /Content-Encoding gzip/);
    assert.equal(await noteCount(), notesBefore);
    assert.equal(await noteService.context.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow().then((r) => Number(r.n)), 0);
  });

  it('answers a method a path does not take with 405 and the methods it does, and an unknown path with 404', async () => {
    const created = (await (await post({ text: 'methods', amount: 1 })).json()) as { noteNo: number };
    for (const [method, path, allow] of [
      ['DELETE', `/notes/${created.noteNo}`, 'GET, HEAD'],
      ['PUT', '/notes', 'GET, HEAD, POST'],
      ['PATCH', '/notes?order=newest', 'GET, HEAD, POST'],
    ] as const) {
      const response = await fetch(`${noteService.url}${path}`, { method });
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(response.headers.get('allow'), allow, `${method} ${path}`);
      assert.match(((await response.json()) as { detail: string }).detail, new RegExp(`${method} is not allowed on`));
    }
    const unknown = await fetch(`${noteService.url}/nowhere`, { method: 'DELETE' });
    assert.equal(unknown.status, 404);
  });

  it('publishes nothing when the command rolls back after emitting', async () => {
    const notesBefore = await noteCount();
    const response = await post({ text: 'doomed', amount: 7, failAfterEmit: true });
    assert.equal(response.status, 409);
    assert.equal(await noteCount(), notesBefore);
    // A later event proves the bus is flowing; the doomed one must never have been published before it.
    const tallyBefore = await tallyNow();
    await post({ text: 'after', amount: 11 });
    await eventually(async () => assert.equal((await tallyNow()).entries, tallyBefore.entries + 1));
    assert.equal((await tallyNow()).total, tallyBefore.total + 11);
  });

  it('answers a retried create with the same Idempotency-Key with the first result, once', async () => {
    const notesBefore = await noteCount();
    const tallyBefore = await tallyNow();
    const key = { ...json, 'idempotency-key': `key-${Math.random()}` };
    const first = await post({ text: 'once', amount: 2 }, key);
    const again = await post({ text: 'once', amount: 2 }, key);
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.deepEqual(await again.json(), await first.json());
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    assert.equal(await noteCount(), notesBefore + 1);
    const reused = await post({ text: 'other', amount: 3 }, key);
    assert.equal(reused.status, 409);
    assert.match(((await reused.json()) as { detail: string }).detail, /already used for a different request/);
    await eventually(async () => assert.equal((await tallyNow()).total, tallyBefore.total + 2));
    const marker = await post({ text: 'marker', amount: 1_000 });
    assert.equal(marker.status, 201);
    await eventually(async () => assert.equal((await tallyNow()).total, tallyBefore.total + 1_002));
    assert.equal((await tallyNow()).entries, tallyBefore.entries + 2);
  });

  it('answers 404 with a problem for an unknown id and an unknown route', async () => {
    const unknown = await fetch(`${noteService.url}/notes/999`);
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { detail: string }).detail, /note 999 does not exist/);
    const nowhere = await fetch(`${noteService.url}/nowhere`);
    assert.equal(nowhere.status, 404);
    assert.equal(nowhere.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  });

  it('exposes Prometheus metrics: latency by route, consumer lag, outbox backlog', async () => {
    await fetch(`${noteService.url}/notes/1`);
    const text = await (await fetch(`${tallyService.url}/metrics`)).text();
    assert.match(text, /consumer_lag_messages\{[^}]*\} \d+/);
    assert.match(text, /outbox_backlog_messages\{[^}]*\} \d+/);
    const client = noteService.context.httpClient({
      name: 'nowhere',
      baseUrl: 'http://127.0.0.1:9',
      timeoutMs: 200,
      breaker: { halfOpenAfterMs: 60_000, consecutiveFailures: 1 },
      retry: { maxAttempts: 1 },
    });
    assert.equal((await client.get('/')).ok, false);
    const notesMetrics = await (await fetch(`${noteService.url}/metrics`)).text();
    assert.match(notesMetrics, /circuit_breaker_state\{[^}]*client="nowhere"[^}]*\} 2/);
    assert.match(notesMetrics, /http_request_duration_seconds_count\{[^}]*route="\/notes\/:noteNo"[^}]*\} \d+/);
  });

  it('describes its routes as OpenAPI at /docs', async () => {
    const spec = (await (await fetch(`${noteService.url}/docs`)).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.match(spec.openapi, /^3\./);
    assert.ok(spec.paths['/notes/{noteNo}'], Object.keys(spec.paths).join(', '));
  });

  it('echoes the request and correlation ids', async () => {
    const response = await fetch(`${noteService.url}/notes`, { headers: { 'x-correlation-id': 'flow-42' } });
    assert.equal(response.headers.get('x-correlation-id'), 'flow-42');
    assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});
