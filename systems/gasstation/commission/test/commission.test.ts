import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { envelop, type DomainEvent } from '@eventide/core';
import { topicOf, type Message } from '@eventide/messaging';
import { ConfigError, startService, type RunningService } from '@eventide/service-host';
import { assertProblem, client, distributedMode, embeddedMode, type Setup, type Tap } from '@eventide/service-host/testing';
import { eventually } from '@eventide/testing';
import { defineCommissionService } from '../src/service.ts';

const modes = [
  embeddedMode('gasstation', 'commission'),
  await distributedMode('gasstation', 'commission', 'postgres', false),
  await distributedMode('gasstation', 'commission', 'mariadb', true),
];

const saleEvent = (type: 'gasstation.Sold' | 'gasstation.CanceledSold', saleId: number, qty: number, price: number): DomainEvent => ({
  type,
  aggregateType: 'Sale',
  aggregateId: saleId,
  correlationId: saleId,
  payload: { saleId, productId: 'CD1001', productName: 'GAS', price, qty, amount: qty * price, accountId: 1, accountName: null },
});

for (const mode of modes) {
  describe(`${mode.tag}the commission service`, mode.options, () => {
    let setup: Setup;
    let tap: Tap;
    let commission: RunningService;
    const api = client(() => commission.url);

    /** POS's events as POS publishes them (key: the sale), occurring at `at`. */
    const messages = (at: string, ...events: DomainEvent[]): Message[] =>
      events.map((event) => ({
        topic: topicOf(setup.system, 'pos'),
        key: String(event.aggregateId),
        envelope: envelop(event, { clock: { now: () => new Date(at) } }),
      }));
    const day = async (date: string) => (await api.get(`/commissions/ST0001/${date}`)).body;

    before(async () => {
      setup = await mode.prepare();
      tap = await setup.tap([topicOf(setup.system, 'pos')]);
      commission = await startService(defineCommissionService(setup.system), { env: { ...setup.env, COMMISSION_RATE: '0.03' } });
    });
    after(async () => {
      await commission?.close();
      await tap?.close();
      await setup?.cleanup();
    });

    it('totals each business day from the sales, in Seoul time, and a cancel subtracts from its sale’s day', async () => {
      await tap.publish([
        ...messages('2026-05-01T01:00:00.000Z', saleEvent('gasstation.Sold', 1, 50, 2000)),
        // 00:30 on 1 May in Seoul, still 30 April in UTC.
        ...messages('2026-04-30T15:30:00.000Z', saleEvent('gasstation.Sold', 2, 10, 2500)),
        ...messages('2026-05-02T02:00:00.000Z', saleEvent('gasstation.Sold', 3, 20, 1500)),
        // Sale 1 cancelled the next day: 1 May loses it, 2 May is untouched.
        ...messages('2026-05-02T03:00:00.000Z', saleEvent('gasstation.CanceledSold', 1, 50, 2000)),
      ]);

      // Sales 1 and 2 are on different partitions: the row is final once both and the cancel are in.
      await eventually(
        async () =>
          assert.deepEqual(await day('2026-05-01'), {
            stationCode: 'ST0001',
            date: '2026-05-01',
            stationType: 'direct',
            rate: 0.03,
            saleCount: 2,
            cancelCount: 1,
            salesQty: 10,
            salesAmount: 25_000,
            commission: 750,
          }),
        { within: mode.within, what: 'both sales and the cancel to be booked on 1 May' },
      );
      // In the order the API declares on every store (PostgreSQL's jsonb keeps its own order).
      const fields = ['stationCode', 'date', 'stationType', 'rate', 'saleCount', 'cancelCount', 'salesQty', 'salesAmount', 'commission'];
      assert.deepEqual(Object.keys(await day('2026-05-01')), fields);
      await eventually(async () => assert.equal((await day('2026-05-02'))?.salesAmount, 30_000), { within: mode.within });
      assert.equal((await day('2026-05-02')).commission, 900);

      const listed = await api.get('/commissions?date=2026-05-01');
      assert.equal(listed.status, 200);
      assert.equal(listed.headers.get('x-total-count'), '1');
      assert.deepEqual(listed.body.map((d: { date: string }) => d.date), ['2026-05-01']);
      assert.deepEqual(Object.keys(listed.body[0]), fields);
      const all = await api.get('/commissions?stationCode=ST0001&size=1');
      assert.deepEqual([all.headers.get('x-total-count'), all.body.length], ['2', 1]);
    });

    it('books a redelivered event once', async () => {
      const [sold] = messages('2026-05-03T01:00:00.000Z', saleEvent('gasstation.Sold', 10, 5, 2000));
      const [after] = messages('2026-05-03T02:00:00.000Z', saleEvent('gasstation.Sold', 11, 1, 2000));
      // One key, so the three are handled in this order.
      await tap.publish([sold!, sold!, { ...after!, key: sold!.key }]);
      await eventually(async () => assert.equal((await day('2026-05-03'))?.saleCount, 2), { within: mode.within, what: 'sale 11 to be booked' });
      assert.deepEqual([(await day('2026-05-03')).salesAmount, (await day('2026-05-03')).commission], [12_000, 360]);
    });

    it('rebuilds the ledger from POS’s topic to the same rows', async () => {
      const rows = (await api.get('/commissions?size=100')).body;
      const rebuilt = await api.post('/admin/read-models/commissionView/rebuild', undefined);
      assert.equal(rebuilt.status, 200, JSON.stringify(rebuilt.body));
      // Seven deliveries, one of them the same envelope twice: six events.
      assert.equal(rebuilt.body.events, 6);
      const byDate = (list: { date: string }[]) => [...list].sort((a, b) => a.date.localeCompare(b.date));
      assert.deepEqual(byDate((await api.get('/commissions?size=100')).body), byDate(rows));
    });

    it('answers 400 naming the field for a malformed or impossible date, and 404 for a day without sales', async () => {
      assertProblem(await api.get('/commissions?date=2026-5-1'), 400, '/date');
      assertProblem(await api.get('/commissions/ST0001/2026-02-30'), 400, '/date');
      assertProblem(await api.get('/commissions?size=0'), 400, '/size');
      assertProblem(await api.get('/commissions/ST0001/2026-06-01'), 404);
    });

    it('refuses to start with a time zone the runtime does not know, naming the variable', async () => {
      await assert.rejects(
        startService(defineCommissionService(`${setup.system}_tz`), { env: { ...setup.env, COMMISSION_TIME_ZONE: 'Mars/Olympus' } }),
        (error: Error) => error instanceof ConfigError && /COMMISSION_TIME_ZONE/.test(error.message),
      );
    });
  });
}
