import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRunner, type RunningRunner } from '@eventide/runner';
import { distributedRun, embeddedRun } from '@eventide/service-host/testing';
import { eventually, tempDir } from '@eventide/testing';

/**
 * GDmarket as a user runs it: `npm start -- gdmarket` (every service its own process, the gateway
 * in front), driven only through the gateway, with the runner's stop/start/scale/restart as the
 * seed's operators did by hand. Once on the embedded default, once distributed as the README shows
 * it: Kafka, item and reservation on PostgreSQL, payment on MariaDB, ItemInfo on Redis.
 */
const within = { within: 30_000 };

const distributed = await distributedRun('gdmarket', {
  item: { store: 'postgres', redis: true },
  reservation: { store: 'postgres' },
  payment: { store: 'mariadb' },
});

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

for (const mode of [embeddedRun, distributed]) describe(`${mode.tag}gdmarket through the gateway, each service its own process`, mode.options, () => {
  const dir = tempDir('gdmarket-e2e-');
  let runner: RunningRunner;
  let cleanup = async () => undefined as unknown;
  let gateway: string;
  let itemManager: string;
  let renter: string;

  before(async () => {
    const prepared = await mode.prepare();
    cleanup = prepared.cleanup;
    runner = await startRunner({ systems: ['gdmarket'], dataDir: dir.path, ports: 'ephemeral', output: () => undefined, env: { ...process.env, ...prepared.env } });
    gateway = runner.gatewayUrl;
    [itemManager, renter] = await Promise.all([runner.token('gdmarket', 'item-manager'), runner.token('gdmarket', 'renter')]);
  });
  after(async () => {
    await runner?.close();
    await cleanup();
    dir.remove();
  });

  // As the seed's people: the item manager registers, lends and returns items; the renter does the rest.
  const tokenFor = (method: string, path: string) => (method !== 'GET' && path.startsWith('/items') ? itemManager : renter);
  async function call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Answer> {
    const headers = { authorization: `Bearer ${tokenFor(method, path)}`, ...extra };
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }
  const created = (answer: Answer, what: string) => {
    assert.equal(answer.status, 201, `${what}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const registerItem = async (itemName: string, itemPrice = 100) =>
    created(await call('POST', '/items', { itemName, itemPrice, itemStatus: 'Rentable', rentalStatus: 'NotRenting' }), 'item').itemNo as number;
  const reserve = async (itemNo: number, itemName: string, customerId = 1) =>
    created(
      await call('POST', '/reservations', {
        customerName: 'YoungEunSong',
        customerId,
        itemNo,
        itemName,
        itemPrice: 100,
        paymentStatus: 'NotPaid',
        rentalStatus: 'NotRenting',
      }),
      'reservation',
    ).reservationNo as number;

  it('runs the seed scenario (spec D.8 steps 1 to 7 and 9) through the gateway', async () => {
    const itemNo = await registerItem('Camera');
    const reservationNo = await reserve(itemNo, 'Camera');
    await eventually(async () => assert.equal((await call('GET', `/items/${itemNo}`)).body.itemStatus, 'NotRentable'), within);

    const paid = await call('PATCH', `/reservations/${reservationNo}`, { paymentStatus: 'Paid' });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    const payments = (await call('GET', '/payments')).body as { reservationNo: number; itemNo: number; itemPrice: number; paymentStatus: string }[];
    assert.deepEqual(
      payments.filter((p) => p.reservationNo === reservationNo).map(({ itemNo: i, itemPrice, paymentStatus }) => ({ i, itemPrice, paymentStatus })),
      [{ i: itemNo, itemPrice: 100, paymentStatus: 'Paid' }],
    );

    const lent = await call('PATCH', `/items/${itemNo}`, { itemNo, reservationNo, itemStatus: 'NotRentable', rentalStatus: 'Renting' });
    assert.equal(lent.status, 200, JSON.stringify(lent.body));
    await eventually(async () => assert.equal((await call('GET', `/reservations/${reservationNo}`)).body.rentalStatus, 'Renting'), within);
    const returned = await call('PATCH', `/items/${itemNo}`, { itemNo, reservationNo, itemStatus: 'Rentable', rentalStatus: 'Returned' });
    assert.equal(returned.status, 200, JSON.stringify(returned.body));
    await eventually(async () => assert.equal((await call('GET', `/reservations/${reservationNo}`)).body.rentalStatus, 'Returned'), within);

    await eventually(async () => {
      const rows = (await call('GET', `/itemInfoes/search/findByItemNo?itemNo=${itemNo}`)).body as Record<string, unknown>[];
      assert.deepEqual(rows, [
        { itemNo, itemName: 'Camera', itemStatus: 'NotRentable', itemPrice: 100, reservationNo, rentalStatus: 'Returned', customerId: 1, customerName: 'YoungEunSong' },
      ]);
    }, within);
    const listed = await call('GET', '/reservations');
    assert.equal(listed.status, 200);
    assert.ok(Number(listed.headers.get('x-total-count')) >= 1);
  });

  it('refuses a caller without a token (401) or with the wrong role (403), and nothing is written', async () => {
    const before = Number((await call('GET', '/items?size=1')).headers.get('x-total-count'));
    const item = { itemName: 'Forged', itemPrice: 1 };
    const anonymous = await fetch(`${gateway}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(item) });
    assert.equal(anonymous.status, 401);
    const asRenter = await fetch(`${gateway}/items`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${renter}` }, body: JSON.stringify(item) });
    assert.equal(asRenter.status, 403);
    const reserveAsManager = await call('POST', '/reservations', { customerName: 'x', customerId: 1, itemNo: 1, itemName: 'x', itemPrice: 1 }, { authorization: `Bearer ${itemManager}` });
    assert.equal(reserveAsManager.status, 403);
    assert.equal(Number((await call('GET', '/items?size=1')).headers.get('x-total-count')), before);
  });

  it('answers bad input through the gateway with 400, 404 and 413 problems, and nothing is written', async () => {
    const total = async () => Number((await call('GET', '/reservations?size=1')).headers.get('x-total-count'));
    const before = await total();
    const post = (body: string) =>
      fetch(`${gateway}/reservations`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${renter}` }, body });
    const seed = { customerName: 'YoungEunSong', customerId: 1, itemNo: 1, itemName: 'Camera', itemPrice: 100 };
    const cases: Array<[string, Response | Promise<Response>, number]> = [
      ['a wrong type', post(JSON.stringify({ ...seed, customerId: 'one' })), 400],
      ['a missing field', post(JSON.stringify({ ...seed, customerName: undefined })), 400],
      ['malformed JSON', post('{"customerName": '), 400],
      ['an oversized body', post(JSON.stringify({ ...seed, customerName: 'x'.repeat(2 * 1_048_576) })), 413],
      ['an unknown id', fetch(`${gateway}/reservations/987654`, { headers: { authorization: `Bearer ${renter}` } }), 404],
    ];
    for (const [what, pending, status] of cases) {
      const response = await pending;
      assert.equal(response.status, status, what);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
      assert.equal(((await response.json()) as { status: number }).status, status, what);
    }
    assert.equal(await total(), before);
  });

  it('accepts reservations while the item service is down, and the item catches up when it is back (D.8 step 8)', async () => {
    const itemNo = await registerItem('Tent');
    await runner.stop('gdmarket/item');
    const down = await call('GET', `/items/${itemNo}`);
    assert.equal(down.status, 503);
    assert.ok(down.headers.get('retry-after'));
    const reservationNo = await reserve(itemNo, 'Tent');
    await runner.start('gdmarket/item');
    await eventually(async () => {
      const item = (await call('GET', `/items/${itemNo}`)).body;
      assert.equal(item.itemStatus, 'NotRentable');
      assert.equal(item.reservationNo, reservationNo);
    }, within);
  });

  it('answers 503 with Retry-After while payment is down, leaves the reservation unpaid, and the same request succeeds once it is back', async () => {
    const itemNo = await registerItem('Drone');
    const reservationNo = await reserve(itemNo, 'Drone');
    await runner.stop('gdmarket/payment');
    const refused = await call('PATCH', `/reservations/${reservationNo}`, { paymentStatus: 'Paid' });
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.ok(refused.headers.get('retry-after'));
    assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal((await call('GET', `/reservations/${reservationNo}`)).body.paymentStatus, 'NotPaid');
    await runner.start('gdmarket/payment');
    await eventually(async () => {
      const paid = await call('PATCH', `/reservations/${reservationNo}`, { paymentStatus: 'Paid' });
      assert.equal(paid.status, 200, JSON.stringify(paid.body));
    }, within);
    assert.equal((await call('GET', `/reservations/${reservationNo}`)).body.paymentStatus, 'Paid');
  });

  it('splits the work between two item replicas of one group: 500 reservations, each item updated once', async () => {
    await runner.scale('gdmarket/item', 2);
    const count = 500;
    const items: number[] = [];
    for (let i = 0; i < count; i += 50) {
      items.push(...(await Promise.all(Array.from({ length: 50 }, (_, j) => registerItem(`thing-${i + j}`)))));
    }
    const reservations = new Map<number, number>();
    for (let i = 0; i < count; i += 50) {
      const batch = items.slice(i, i + 50);
      const numbers = await Promise.all(batch.map((itemNo) => reserve(itemNo, 'thing')));
      batch.forEach((itemNo, j) => reservations.set(itemNo, numbers[j]!));
    }
    await eventually(async () => {
      const view = (await call('GET', '/itemInfoes?size=1000')).body as { itemNo: number; itemStatus: string; reservationNo: number | null }[];
      for (const itemNo of items) {
        const row = view.find((r) => r.itemNo === itemNo);
        assert.equal(row?.itemStatus, 'NotRentable', `item ${itemNo} in ItemInfo`);
        assert.equal(row?.reservationNo, reservations.get(itemNo));
      }
    }, { within: 60_000 });
    for (const itemNo of items.slice(0, 20)) {
      const item = (await call('GET', `/items/${itemNo}`)).body;
      assert.deepEqual([item.itemStatus, item.reservationNo], ['NotRentable', reservations.get(itemNo)]);
    }
    // Each replica handled part of the Reserved events, and together each exactly once.
    const status = await runner.status();
    const replicas = status.services.find((s) => s.name === 'gdmarket/item')?.replicas ?? [];
    assert.equal(replicas.length, 2);
    const handled = await Promise.all(
      replicas.map(async (replica) => {
        const metrics = await (await fetch(`http://127.0.0.1:${replica.port}/metrics`)).text();
        const line = metrics.split('\n').find((l) => l.startsWith('messages_handled_total') && l.includes('markItemNotRentableOnReserved') && l.includes('outcome="handled"'));
        return Number(line?.split(' ').at(-1) ?? 0);
      }),
    );
    assert.ok(handled.every((n) => n > 0), `both replicas handled Reserved events: ${handled.join(', ')}`);
    assert.ok(handled.reduce((a, b) => a + b, 0) >= count, `handled ${handled.join(' + ')}`);
  });

  it('fails no request through the gateway during a rolling restart of reservation under steady load', async () => {
    const itemNo = await registerItem('Kayak');
    const failures: string[] = [];
    let requests = 0;
    let restarting = true;
    const worker = async (id: number) => {
      while (restarting) {
        requests += 1;
        const answer = id % 2 === 0 ? await call('GET', '/reservations?size=1') : await call('POST', '/reservations', {
          customerName: 'Load', customerId: 9, itemNo, itemName: 'Kayak', itemPrice: 100,
        });
        if (answer.status >= 300) failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, id) => worker(id)));
    const before = (await runner.status()).services.find((s) => s.name === 'gdmarket/reservation')?.replicas.map((r) => r.pid);
    await runner.restart('gdmarket/reservation');
    restarting = false;
    await load;
    const afterRestart = (await runner.status()).services.find((s) => s.name === 'gdmarket/reservation')?.replicas.map((r) => r.pid);
    assert.notDeepEqual(afterRestart, before, 'the reservation processes were replaced');
    assert.ok(requests > 50, `only ${requests} requests were sent during the restart`);
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
  });
});
