import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { envelop, systemClock, type DomainEvent } from '@eventide/core';
import { deadLetterTopicOf, topicOf } from '@eventide/messaging';
import { startService, type RunningService } from '@eventide/service-host';
import { assertProblem, client, distributedMode, embeddedMode, type Setup, type Tap } from '@eventide/service-host/testing';
import { eventually } from '@eventide/testing';
import { defineLogisticsService } from '../src/service.ts';

const modes = [embeddedMode('gasstation', 'logistics'), await distributedMode('gasstation', 'logistics', 'postgres', false)];

const orderedEvent = (orderId: number, qty = 20000): DomainEvent => ({
  type: 'gasstation.Ordered',
  aggregateType: 'Order',
  aggregateId: orderId,
  correlationId: orderId,
  payload: { orderId, orderDate: '2021-06-01', productId: 'CD1001', productName: 'GAS', destAddr: 'SK Imme Station', qty },
});

/** Draws 0.424, 0.425, ... so each truck number is known: CAR#424, CAR#425, ... */
function steppingRandom() {
  let next = 0.424;
  return () => {
    const draw = next;
    next += 0.001;
    return draw;
  };
}

for (const mode of modes) {
  describe(`${mode.tag}the logistics service`, mode.options, () => {
    let setup: Setup;
    let logistics: RunningService;
    let tap: Tap;
    const http = client(() => logistics.url);
    const within = { within: mode.within };

    before(async () => {
      setup = await mode.prepare();
      logistics = await startService(defineLogisticsService(setup.system, { random: steppingRandom() }), { env: setup.env });
      tap = await setup.tap([topicOf(setup.system, 'logistics'), deadLetterTopicOf(topicOf(setup.system, 'order'))]);
    });
    after(async () => {
      await tap?.close();
      await logistics?.close();
      await setup?.cleanup();
    });

    const orderTopic = () => topicOf(setup.system, 'order');
    const fromOrder = (...events: DomainEvent[]) =>
      tap.publish(events.map((event) => ({ topic: orderTopic(), key: String(event.aggregateId), envelope: envelop(event, { clock: systemClock }) })));
    const shipments = async () => (await http.get('/shipments?size=1000')).body as { shipId: number; orderId: number }[];
    const shipmentsOf = async (orderId: number) => (await shipments()).filter((s) => s.orderId === orderId);
    const shippedOf = (orderId: number) => tap.received.filter((e) => e.type === 'gasstation.Shipped' && (e.payload as { orderId: number }).orderId === orderId);

    it('ships the seed order: a shipment copied from Ordered with a drawn truck, and Shipped in the orderId flow (spec E.8 step 1)', async () => {
      await fromOrder(orderedEvent(1));
      await eventually(async () => assert.equal((await shipmentsOf(1)).length, 1), within);
      const [shipment] = await shipmentsOf(1);
      const expected = { shipId: shipment!.shipId, orderId: 1, carNumber: 'CAR#424', destAddr: 'SK Imme Station', productId: 'CD1001', productName: 'GAS', qty: 20000 };
      assert.deepEqual(shipment, expected);
      assert.deepEqual((await http.get(`/shipments/${shipment!.shipId}`)).body, expected);
      await eventually(() => assert.equal(shippedOf(1).length, 1), within);
      const [shipped] = shippedOf(1);
      assert.deepEqual(shipped?.payload, expected);
      assert.equal(shipped?.correlationId, '1');
      assert.equal(shipped?.aggregateId, String(shipment!.shipId));
    });

    it('creates no second shipment when the same Ordered is delivered again, nor for a second message about the same order', async () => {
      const ordered = envelop(orderedEvent(2), { clock: systemClock });
      const again = envelop(orderedEvent(2), { clock: systemClock });
      const topic = orderTopic();
      await tap.publish([
        { topic, key: '2', envelope: ordered },
        { topic, key: '2', envelope: ordered },
        { topic, key: '2', envelope: again },
        { topic, key: '2', envelope: envelop(orderedEvent(3), { clock: systemClock }) },
      ]);
      await eventually(async () => assert.equal((await shipmentsOf(3)).length, 1), within);
      assert.equal((await shipmentsOf(2)).length, 1);
      await eventually(() => assert.equal(shippedOf(3).length, 1), within);
      assert.equal(shippedOf(2).length, 1);
    });

    it('dead-letters an Ordered that breaks its contract, ships nothing for it, and goes on with the next', async () => {
      const before = (await shipments()).length;
      await fromOrder(orderedEvent(4, -5), orderedEvent(5));
      await eventually(async () => assert.equal((await shipmentsOf(5)).length, 1), within);
      assert.deepEqual(await shipmentsOf(4), []);
      assert.equal((await shipments()).length, before + 1);
      await eventually(() => assert.ok(tap.received.some((e) => e.type === 'gasstation.Ordered' && (e.payload as { orderId: number }).orderId === 4)), within);
    });

    it('pages shipments with page, size and X-Total-Count, and refuses bad ids', async () => {
      await fromOrder(orderedEvent(6), orderedEvent(7));
      // The two orders may land on different partitions and be handled in either order.
      await eventually(async () => assert.deepEqual([(await shipmentsOf(6)).length, (await shipmentsOf(7)).length], [1, 1]), within);
      const all = await shipments();
      const page = await http.get('/shipments?page=1&size=2');
      assert.deepEqual(page.body, all.slice(2, 4));
      assert.equal(page.headers.get('x-total-count'), String(all.length));
      assertProblem(await http.get('/shipments/0'), 400, '/shipId');
      assertProblem(await http.get('/shipments/abc'), 400, '/shipId');
      assertProblem(await http.get('/shipments/99999'), 404);
      assertProblem(await http.get('/shipments?size=0'), 400, '/size');
      // Shipments come from Ordered only: the collection takes no POST.
      const posted = await http.post('/shipments', { orderId: 1 });
      assertProblem(posted, 405);
      assert.equal(posted.headers.get('allow'), 'GET, HEAD');
    });
  });
}
