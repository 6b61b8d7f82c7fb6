import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { envelop, systemClock, type DomainEvent } from '@eventide/core';
import { topicOf } from '@eventide/messaging';
import { startService, type RunningService } from '@eventide/service-host';
import { ReservationCancelled, Reserved } from '@gdmarket/contracts';
import { defineItemService } from '../src/service.ts';
import { assertProblem, client, distributedMode, embeddedMode, type Setup, type Tap } from '@eventide/service-host/testing';
import { eventually } from '@eventide/testing';

const modes = [embeddedMode('gdmarket', 'item'), await distributedMode('gdmarket', 'item', 'postgres', true)];

const camera = { itemName: 'Camera', itemPrice: '100', itemStatus: 'Rentable', rentalStatus: 'NotRenting' };

const reservedEvent = (reservationNo: number, itemNo: number): DomainEvent => ({
  type: Reserved.type,
  aggregateType: 'Reservation',
  aggregateId: reservationNo,
  payload: { reservationNo, customerName: 'YoungEunSong', customerId: 1, itemNo, itemName: 'Camera', itemStatus: 'NotRentable', itemPrice: 100 },
});
const cancelledEvent = (reservationNo: number, itemNo: number): DomainEvent => ({
  type: ReservationCancelled.type,
  aggregateType: 'Reservation',
  aggregateId: reservationNo,
  payload: { reservationNo, customerName: 'YoungEunSong', customerId: 1, itemStatus: 'Rentable', itemNo },
});

for (const mode of modes) {
  describe(`${mode.tag}the item service`, mode.options, () => {
    let setup: Setup;
    let item: RunningService;
    let tap: Tap;
    const http = client(() => item.url);
    const within = { within: mode.within };

    before(async () => {
      setup = await mode.prepare();
      item = await startService(defineItemService(setup.system), { env: setup.env });
      tap = await setup.tap([topicOf(setup.system, 'item')]);
    });
    after(async () => {
      await tap?.close();
      await item?.close();
      await setup?.cleanup();
    });

    const register = async (name = 'Camera') => {
      const response = await http.post('/items', { ...camera, itemName: name });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body as { itemNo: number };
    };
    /** Publishes reservation events as the reservation service would, all on one partition, in order. */
    const fromReservation = (...events: DomainEvent[]) =>
      tap.publish(events.map((event) => ({ topic: topicOf(setup.system, 'reservation'), key: 'k', envelope: envelop(event, { clock: systemClock }) })));
    const itemNow = async (itemNo: number) => (await http.get(`/items/${itemNo}`)).body;
    const published = (type: string, itemNo: number) => tap.received.filter((e) => e.type === type && (e.payload as { itemNo: number }).itemNo === itemNo);

    it('registers an item from the seed POST, numbers as strings, with 201, Location and the whole item', async () => {
      const response = await http.post('/items', camera);
      assert.equal(response.status, 201);
      const { itemNo } = response.body;
      assert.equal(response.headers.get('location'), `/items/${itemNo}`);
      assert.deepEqual(response.body, {
        itemNo,
        itemName: 'Camera',
        itemPrice: 100,
        itemStatus: 'Rentable',
        rentalStatus: 'NotRenting',
        reservationNo: null,
      });
      assert.deepEqual(await itemNow(itemNo), response.body);
      await eventually(() => assert.equal(published('gdmarket.ItemRegistered', itemNo).length, 1), within);
      assert.deepEqual(published('gdmarket.ItemRegistered', itemNo)[0]?.payload, {
        itemNo,
        itemName: 'Camera',
        itemStatus: 'Rentable',
        itemPrice: 100,
        rentalStatus: 'NotRenting',
      });
    });

    it('numbers items from its own counter and ignores an itemNo sent in the POST', async () => {
      const first = await register();
      const response = await http.post('/items', { ...camera, itemNo: 999 });
      assert.equal(response.body.itemNo, first.itemNo + 1);
    });

    it('refuses to register an item that does not start Rentable and NotRenting', async () => {
      assertProblem(await http.post('/items', { ...camera, itemStatus: 'NotRentable' }), 400, '/itemStatus');
      assertProblem(await http.post('/items', { ...camera, rentalStatus: 'Renting' }), 400, '/rentalStatus');
    });

    it('pages the collection with page, size and X-Total-Count, 20 by default, and finds by itemNo', async () => {
      while (Number((await http.get('/items')).headers.get('x-total-count')) < 22) await register('Filler');
      const all = await http.get('/items');
      const total = Number(all.headers.get('x-total-count'));
      assert.equal(all.body.length, 20);
      const second = await http.get('/items?page=1&size=5');
      assert.deepEqual(
        second.body.map((i: { itemNo: number }) => i.itemNo),
        all.body.slice(5, 10).map((i: { itemNo: number }) => i.itemNo),
      );
      assert.equal(second.headers.get('x-total-count'), String(total));
      const last = await http.get(`/items?page=${Math.floor((total - 1) / 20)}`);
      assert.equal(last.body.length, ((total - 1) % 20) + 1);
      const found = await http.get(`/items/search/findByItemNo?itemNo=${all.body[3].itemNo}`);
      assert.deepEqual(found.body, [all.body[3]]);
      assert.equal(found.headers.get('x-total-count'), '1');
      assert.deepEqual((await http.get('/items/search/findByItemNo?itemNo=99999')).body, []);
      assertProblem(await http.get('/items?size=0'), 400, '/size');
      assertProblem(await http.get('/items/search/findByItemNo'), 400, '/itemNo');
    });

    it('takes an item off the market on Reserved, lends and returns it by PATCH, publishing RentedItem and ReturnedItem', async () => {
      const { itemNo } = await register();
      await fromReservation(reservedEvent(7001, itemNo));
      await eventually(async () => assert.equal((await itemNow(itemNo)).itemStatus, 'NotRentable'), within);
      assert.equal((await itemNow(itemNo)).reservationNo, 7001);

      const lent = await http.patch(`/items/${itemNo}`, { itemNo: String(itemNo), reservationNo: '7001', itemStatus: 'NotRentable', rentalStatus: 'Renting' });
      assert.equal(lent.status, 200, JSON.stringify(lent.body));
      assert.deepEqual(lent.body, { ...(await itemNow(itemNo)), rentalStatus: 'Renting', itemStatus: 'NotRentable', reservationNo: 7001 });
      const again = await http.patch(`/items/${itemNo}`, { itemNo, reservationNo: 7001, itemStatus: 'NotRentable', rentalStatus: 'Renting' });
      assert.equal(again.status, 200, 'repeating the PATCH is a no-op');

      const returned = await http.patch(`/items/${itemNo}`, { itemNo, reservationNo: 7001, itemStatus: 'Rentable', rentalStatus: 'Returned' });
      assert.equal(returned.status, 200, JSON.stringify(returned.body));
      assert.equal(returned.body.itemStatus, 'Rentable');
      assert.equal(returned.body.rentalStatus, 'Returned');

      await eventually(() => assert.equal(published('gdmarket.ReturnedItem', itemNo).length, 1), within);
      assert.deepEqual(published('gdmarket.RentedItem', itemNo).map((e) => [e.payload, e.correlationId]), [
        [{ itemNo, reservationNo: 7001, rentalStatus: 'Renting' }, '7001'],
      ]);
      assert.deepEqual(published('gdmarket.ReturnedItem', itemNo)[0]?.payload, { itemNo, reservationNo: 7001, rentalStatus: 'Returned' });
    });

    it('puts the item back on the market when its reservation is cancelled', async () => {
      const { itemNo } = await register();
      await fromReservation(reservedEvent(7101, itemNo), cancelledEvent(7101, itemNo));
      await eventually(async () => assert.deepEqual([(await itemNow(itemNo)).itemStatus, (await itemNow(itemNo)).reservationNo], ['Rentable', null]), within);
    });

    it('applies a redelivered event once, in its policy and in the ItemInfo view', async () => {
      const { itemNo } = await register();
      const marker = await register('Marker');
      const reserved = envelop(reservedEvent(7201, itemNo), { clock: systemClock });
      const topic = topicOf(setup.system, 'reservation');
      await tap.publish([
        { topic, key: 'k', envelope: reserved },
        { topic, key: 'k', envelope: envelop(cancelledEvent(7201, itemNo), { clock: systemClock }) },
        { topic, key: 'k', envelope: reserved },
        { topic, key: 'k', envelope: envelop(reservedEvent(7202, marker.itemNo), { clock: systemClock }) },
      ]);
      await eventually(async () => assert.equal((await itemNow(marker.itemNo)).itemStatus, 'NotRentable'), within);
      await eventually(async () => assert.equal((await http.get(`/itemInfoes/${marker.itemNo}`)).body?.itemStatus, 'NotRentable'), within);
      assert.equal((await itemNow(itemNo)).itemStatus, 'Rentable', 'the second Reserved would have taken it off the market again');
      assert.equal((await http.get(`/itemInfoes/${itemNo}`)).body.itemStatus, 'Rentable');
    });

    it('ignores events about items it does not have and goes on with the next', async () => {
      const { itemNo } = await register();
      await fromReservation(reservedEvent(7301, 88_888), reservedEvent(7302, itemNo));
      await eventually(async () => assert.equal((await itemNow(itemNo)).itemStatus, 'NotRentable'), within);
      assertProblem(await http.get('/items/88888'), 404);
    });

    it('refuses a lend or return that breaks a rule with 409 naming it, and a status it derives itself with 400', async () => {
      const { itemNo } = await register();
      const lend = await http.patch(`/items/${itemNo}`, { reservationNo: 1, rentalStatus: 'Renting' });
      assertProblem(lend, 409);
      assert.match(lend.body.detail, /lent only once a reservation has made it NotRentable/);
      assertProblem(await http.patch(`/items/${itemNo}`, { rentalStatus: 'Returned' }), 409);
      assertProblem(await http.patch(`/items/${itemNo}`, { itemName: 'Renamed' }), 400, '/itemName');
      await fromReservation(reservedEvent(7401, itemNo));
      await eventually(async () => assert.equal((await itemNow(itemNo)).itemStatus, 'NotRentable'), within);
      assertProblem(await http.patch(`/items/${itemNo}`, { reservationNo: 7401, itemStatus: 'Rentable', rentalStatus: 'Renting' }), 400, '/itemStatus');
      const another = await http.patch(`/items/${itemNo}`, { reservationNo: 9, rentalStatus: 'Renting' });
      assertProblem(another, 409);
      assert.match(another.body.detail, /reserved by reservation 7401, not 9/);
      assert.equal((await itemNow(itemNo)).rentalStatus, 'NotRenting');
    });

    it('deletes a free item with 204 and ItemDeleted, refuses to delete a reserved one, and forgets it in the view', async () => {
      const { itemNo } = await register();
      await eventually(async () => assert.equal((await http.get(`/itemInfoes/${itemNo}`)).status, 200), within);
      assert.equal((await http.delete(`/items/${itemNo}`)).status, 204);
      assertProblem(await http.get(`/items/${itemNo}`), 404);
      assertProblem(await http.delete(`/items/${itemNo}`), 404);
      await eventually(() => assert.equal(published('gdmarket.ItemDeleted', itemNo).length, 1), within);
      await eventually(async () => assertProblem(await http.get(`/itemInfoes/${itemNo}`), 404), within);

      const reserved = await register();
      await fromReservation(reservedEvent(7501, reserved.itemNo));
      await eventually(async () => assert.equal((await itemNow(reserved.itemNo)).itemStatus, 'NotRentable'), within);
      assertProblem(await http.delete(`/items/${reserved.itemNo}`), 409);
    });

    it('keeps the ItemInfo view: paged, found by itemNo, one row per item as the seed shows it', async () => {
      const { itemNo } = await register();
      await fromReservation(reservedEvent(7601, itemNo));
      const row = {
        itemNo,
        itemName: 'Camera',
        itemStatus: 'NotRentable',
        itemPrice: 100,
        reservationNo: 7601,
        rentalStatus: 'NotRenting',
        customerId: 1,
        customerName: 'YoungEunSong',
      };
      await eventually(async () => assert.deepEqual((await http.get(`/itemInfoes/search/findByItemNo?itemNo=${itemNo}`)).body, [row]), within);
      assert.deepEqual((await http.get(`/itemInfoes/${itemNo}`)).body, row);
      const all = await http.get('/itemInfoes?size=1000');
      assert.equal(all.headers.get('x-total-count'), String(all.body.length));
      assert.ok(all.body.some((r: { itemNo: number }) => r.itemNo === itemNo));
      const page = await http.get('/itemInfoes?page=1&size=2');
      assert.deepEqual(page.body, all.body.slice(2, 4));
      assertProblem(await http.get('/itemInfoes/99999'), 404);
      assertProblem(await http.get('/itemInfoes?page=-1'), 400, '/page');
    });

    it('refuses bad input with 400/404/413 problems, writing and publishing nothing', async () => {
      // Whatever earlier tests committed is published first, so an empty outbox afterwards means nothing new.
      const outboxSize = async () =>
        Number((await item.context.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      await eventually(async () => assert.equal(await outboxSize(), 0), within);
      const { itemNo } = await register();
      await eventually(() => assert.equal(published('gdmarket.ItemRegistered', itemNo).length, 1), within);
      const before = { total: (await http.get('/items')).headers.get('x-total-count'), at: Date.now(), item: await itemNow(itemNo) };

      assertProblem(await http.post('/items', { ...camera, itemPrice: 'a hundred' }), 400, '/itemPrice');
      assertProblem(await http.post('/items', { ...camera, itemPrice: 2_147_483_648 }), 400, '/itemPrice');
      assertProblem(await http.post('/items', { ...camera, itemPrice: -1 }), 400, '/itemPrice');
      assertProblem(await http.post('/items', { itemPrice: 100 }), 400, '/itemName');
      assertProblem(await http.post('/items', { ...camera, itemName: '' }), 400, '/itemName');
      assertProblem(await http.post('/items', { ...camera, itemStatus: 'Broken' }), 400, '/itemStatus');
      assertProblem(await http.post('/items', { ...camera, colour: 'red' }), 400, '/colour');
      assertProblem(await http.post('/items', '{"itemName": "Camera", '), 400);
      assertProblem(await http.post('/items', { ...camera, itemName: 'x'.repeat(2_000_000) }), 413);
      assertProblem(await http.patch(`/items/${itemNo}`, { rentalStatus: 'Lost' }), 400, '/rentalStatus');
      assertProblem(await http.patch(`/items/${itemNo}`, { reservationNo: 'one' }), 400, '/reservationNo');
      assertProblem(await http.patch(`/items/${itemNo}`, { owner: 'me' }), 400, '/owner');
      assertProblem(await http.patch('/items/abc', {}), 400, '/itemNo');
      assertProblem(await http.patch('/items/99999', { rentalStatus: 'Renting' }), 404);
      assertProblem(await http.get('/items/0'), 400, '/itemNo');
      assertProblem(await http.get('/items/99999'), 404);
      assertProblem(await http.delete('/items/99999'), 404);

      assert.equal((await http.get('/items')).headers.get('x-total-count'), before.total);
      assert.deepEqual(await itemNow(itemNo), before.item);
      assert.equal(await outboxSize(), 0);
      const marker = await register('Marker');
      await eventually(() => assert.equal(published('gdmarket.ItemRegistered', marker.itemNo).length, 1), within);
      assert.deepEqual(
        tap.received.filter((e) => Date.parse(e.occurredAt) >= before.at).map((e) => e.payload),
        [{ itemNo: marker.itemNo, itemName: 'Marker', itemStatus: 'Rentable', itemPrice: 100, rentalStatus: 'NotRenting' }],
        'only the marker was published after the bad requests',
      );
    });
  });
}
