import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { envelop, systemClock, type DomainEvent } from '@eventide/core';
import { topicOf } from '@eventide/messaging';
import { startService, type RunningService } from '@eventide/service-host';
import { RentedItem, ReturnedItem } from '@gdmarket/contracts';
import { defineReservationService } from '../src/service.ts';
import { startFakePayment, type FakePayment } from './fake-payment.ts';
import { assertProblem, client, distributedMode, embeddedMode, type Setup, type Tap } from '@eventide/service-host/testing';
import { eventually } from '@eventide/testing';

const modes = [embeddedMode('gdmarket', 'reservation'), await distributedMode('gdmarket', 'reservation', 'postgres', false)];

const seedReservation = {
  customerName: 'YoungEunSong',
  customerId: '1',
  itemNo: '1',
  itemName: 'Camera',
  itemPrice: '100',
  paymentStatus: 'NotPaid',
  rentalStatus: 'NotRenting',
};
const paid = { paymentStatus: 'Paid' };

const rentalEvent = (type: typeof RentedItem.type | typeof ReturnedItem.type, reservationNo: number): DomainEvent => ({
  type,
  aggregateType: 'Item',
  aggregateId: 1,
  correlationId: reservationNo,
  payload: { itemNo: 1, reservationNo, rentalStatus: type === RentedItem.type ? 'Renting' : 'Returned' },
});

for (const mode of modes) {
  describe(`${mode.tag}the reservation service`, mode.options, () => {
    let setup: Setup;
    let reservation: RunningService;
    let payment: FakePayment;
    let tap: Tap;
    const http = client(() => reservation.url);
    const within = { within: mode.within };

    before(async () => {
      setup = await mode.prepare();
      payment = await startFakePayment();
      reservation = await startService(defineReservationService(setup.system), {
        env: {
          ...setup.env,
          PAYMENT_URL: payment.url,
          PAYMENT_TIMEOUT_MS: '1000',
          PAYMENT_BREAKER_FAILURES: '2',
          PAYMENT_HALF_OPEN_AFTER_MS: '1500', // longer than payment's restart below takes on a loaded CI machine: the open circuit must still be open after it
        },
      });
      tap = await setup.tap([topicOf(setup.system, 'reservation')]);
    });
    after(async () => {
      await tap?.close();
      await reservation?.close();
      await payment?.stop();
      await setup?.cleanup();
    });

    const reserve = async () => {
      const response = await http.post('/reservations', seedReservation);
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body as { reservationNo: number };
    };
    const reservationNow = async (reservationNo: number) => (await http.get(`/reservations/${reservationNo}`)).body;
    const published = (type: string, reservationNo: number) =>
      tap.received.filter((e) => e.type === type && (e.payload as { reservationNo: number }).reservationNo === reservationNo);
    const breakerState = async () => {
      const text = await (await fetch(`${reservation.url}/metrics`)).text();
      return Number(/circuit_breaker_state\{[^}]*client="payment"[^}]*\} (\d)/.exec(text)?.[1]);
    };
    const breaker = { closed: 0, halfOpen: 1, open: 2 };

    it('takes the seed reservation with 201, Location and the whole reservation, and publishes Reserved', async () => {
      const response = await http.post('/reservations', { ...seedReservation, reservationNo: '999' });
      assert.equal(response.status, 201);
      const { reservationNo } = response.body;
      assert.notEqual(reservationNo, 999, 'a client-supplied reservationNo is ignored');
      assert.equal(response.headers.get('location'), `/reservations/${reservationNo}`);
      const expected = {
        reservationNo,
        customerName: 'YoungEunSong',
        customerId: 1,
        itemNo: 1,
        itemName: 'Camera',
        itemPrice: 100,
        rentalStatus: 'NotRenting',
        paymentStatus: 'NotPaid',
      };
      assert.deepEqual(response.body, expected);
      assert.deepEqual(await reservationNow(reservationNo), expected);
      await eventually(() => assert.equal(published('gdmarket.Reserved', reservationNo).length, 1), within);
      const [event] = published('gdmarket.Reserved', reservationNo);
      assert.deepEqual(event?.payload, {
        reservationNo,
        customerName: 'YoungEunSong',
        customerId: 1,
        itemNo: 1,
        itemName: 'Camera',
        itemStatus: 'NotRentable',
        itemPrice: 100,
      });
      assert.equal(event?.correlationId, String(reservationNo));
      assertProblem(await http.post('/reservations', { ...seedReservation, paymentStatus: 'Paid' }), 400, '/paymentStatus');
    });

    it('pages reservations with page, size and X-Total-Count, and finds one by reservationNo', async () => {
      for (let i = 0; i < 3; i += 1) await reserve();
      const all = await http.get('/reservations');
      const total = Number(all.headers.get('x-total-count'));
      assert.equal(all.body.length, Math.min(total, 20));
      const page = await http.get('/reservations?page=1&size=2');
      assert.deepEqual(page.body, all.body.slice(2, 4));
      const found = await http.get(`/reservations/search/findByReservationNo?reservationNo=${all.body[1].reservationNo}`);
      assert.deepEqual(found.body, [all.body[1]]);
      assert.equal(found.headers.get('x-total-count'), '1');
    });

    it('pays through payment on PATCH Paid, and calls payment only when paymentStatus changes', async () => {
      const { reservationNo } = await reserve();
      const callsBefore = payment.calls.length;
      const response = await http.patch(`/reservations/${reservationNo}`, paid);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.paymentStatus, 'Paid');
      assert.deepEqual(payment.calls.slice(callsBefore), ['POST /payments']);
      assert.deepEqual({ ...payment.payments.get(reservationNo), paymentNo: 0 }, {
        paymentNo: 0,
        reservationNo,
        itemNo: 1,
        itemPrice: 100,
        paymentStatus: 'Paid',
      });
      const again = await http.patch(`/reservations/${reservationNo}`, { reservationNo, paymentStatus: 'Paid' });
      assert.equal(again.status, 200);
      assert.equal(payment.calls.length, callsBefore + 1, 'paying a paid reservation calls nobody');
    });

    it('refunds on PATCH NotPaid by cancelling the payment by reservationNo, and takes payment 404 as already done', async () => {
      const { reservationNo } = await reserve();
      await http.patch(`/reservations/${reservationNo}`, paid);
      const refunded = await http.patch(`/reservations/${reservationNo}`, { reservationNo: String(reservationNo), paymentStatus: 'NotPaid' });
      assert.equal(refunded.status, 200, JSON.stringify(refunded.body));
      assert.equal(refunded.body.paymentStatus, 'NotPaid');
      assert.equal(payment.calls.at(-1), `DELETE /payments?reservationNo=${reservationNo}`);
      assert.equal(payment.payments.has(reservationNo), false);

      await http.patch(`/reservations/${reservationNo}`, paid);
      payment.payments.delete(reservationNo); // payment lost it already, e.g. a cancel whose answer never arrived
      const again = await http.patch(`/reservations/${reservationNo}`, { paymentStatus: 'NotPaid' });
      assert.equal(again.status, 200);
      assert.equal(again.body.paymentStatus, 'NotPaid');
    });

    it('answers 409 with payment reason when payment refuses, and leaves the reservation unchanged', async () => {
      const { reservationNo } = await reserve();
      payment.refuseWith = 409;
      try {
        const response = await http.patch(`/reservations/${reservationNo}`, paid);
        assertProblem(response, 409);
        assert.match(response.body.detail, /payment refused: card declined/);
      } finally {
        payment.refuseWith = undefined;
      }
      assert.equal((await reservationNow(reservationNo)).paymentStatus, 'NotPaid');
    });

    it('cancels with 204 and ReservationCancelled, refunding a paid reservation first', async () => {
      const open = await reserve();
      assert.equal((await http.delete(`/reservations/${open.reservationNo}`)).status, 204);
      assertProblem(await http.get(`/reservations/${open.reservationNo}`), 404);
      assertProblem(await http.delete(`/reservations/${open.reservationNo}`), 404);
      await eventually(() => assert.equal(published('gdmarket.ReservationCancelled', open.reservationNo).length, 1), within);
      assert.deepEqual(published('gdmarket.ReservationCancelled', open.reservationNo)[0]?.payload, {
        reservationNo: open.reservationNo,
        customerName: 'YoungEunSong',
        customerId: 1,
        itemStatus: 'Rentable',
        itemNo: 1,
      });

      const settled = await reserve();
      await http.patch(`/reservations/${settled.reservationNo}`, paid);
      assert.equal((await http.delete(`/reservations/${settled.reservationNo}`)).status, 204);
      assert.equal(payment.calls.at(-1), `DELETE /payments?reservationNo=${settled.reservationNo}`);
      assert.equal(payment.payments.has(settled.reservationNo), false);
    });

    it('mirrors RentedItem and ReturnedItem, applies a redelivered one once, and refuses to cancel while renting', async () => {
      const { reservationNo } = await reserve();
      const marker = await reserve();
      const topic = topicOf(setup.system, 'item');
      const rented = envelop(rentalEvent(RentedItem.type, reservationNo), { clock: systemClock });
      await tap.publish([{ topic, key: '1', envelope: rented }]);
      await eventually(async () => assert.equal((await reservationNow(reservationNo)).rentalStatus, 'Renting'), within);
      const cancel = await http.delete(`/reservations/${reservationNo}`);
      assertProblem(cancel, 409);
      assert.match(cancel.body.detail, /Renting cannot be cancelled/);
      assertProblem(await http.patch(`/reservations/${reservationNo}`, { rentalStatus: 'Returned' }), 400, '/rentalStatus');

      await tap.publish([
        { topic, key: '1', envelope: envelop(rentalEvent(ReturnedItem.type, reservationNo), { clock: systemClock }) },
        { topic, key: '1', envelope: rented },
        { topic, key: '1', envelope: envelop(rentalEvent(RentedItem.type, 88_888), { clock: systemClock }) },
        { topic, key: '1', envelope: envelop(rentalEvent(RentedItem.type, marker.reservationNo), { clock: systemClock }) },
      ]);
      await eventually(async () => assert.equal((await reservationNow(marker.reservationNo)).rentalStatus, 'Renting'), within);
      assert.equal((await reservationNow(reservationNo)).rentalStatus, 'Returned', 'the redelivered RentedItem would have made it Renting again');
    });

    it('answers 503 with Retry-After while payment is down or its circuit open, changing nothing, and pays once it is back', async () => {
      const { reservationNo } = await reserve();
      await payment.stop();
      try {
        const down = await http.patch(`/reservations/${reservationNo}`, paid);
        assertProblem(down, 503);
        assert.ok(Number(down.headers.get('retry-after')) >= 1);
        assert.match(down.body.detail, /payment is unreachable/);
        assert.equal((await reservationNow(reservationNo)).paymentStatus, 'NotPaid');
        assertProblem(await http.patch(`/reservations/${reservationNo}`, paid), 503);
        assert.equal(await breakerState(), breaker.open);
      } finally {
        await payment.start();
      }
      const callsBefore = payment.calls.length;
      const open = await http.patch(`/reservations/${reservationNo}`, paid);
      assertProblem(open, 503);
      assert.match(open.body.detail, /circuit to payment is open/);
      assert.ok(Number(open.headers.get('retry-after')) >= 1);
      assert.equal(payment.calls.length, callsBefore, 'an open circuit answers without calling payment');
      assert.equal((await reservationNow(reservationNo)).paymentStatus, 'NotPaid');

      // After halfOpenAfterMs one trial call goes through: held at payment, the breaker shows half-open.
      payment.hold();
      let trial: ReturnType<typeof http.patch> | undefined;
      try {
        await eventually(
          async () => {
            const attempt = http.patch(`/reservations/${reservationNo}`, paid);
            const reached = payment.nextCall().then(() => 'reached' as const);
            const first = await Promise.race([attempt, reached]);
            if (first !== 'reached') throw new Error(`the circuit is still open: ${first.status}`);
            trial = attempt;
          },
          { within: 5_000, every: 50, what: 'a trial call to reach payment' },
        );
        assert.equal(await breakerState(), breaker.halfOpen);
      } finally {
        payment.release();
      }
      const succeeded = await trial!;
      assert.equal(succeeded.status, 200, JSON.stringify(succeeded.body));
      assert.equal(succeeded.body.paymentStatus, 'Paid');
      assert.equal(await breakerState(), breaker.closed);
      assert.equal(payment.payments.get(reservationNo)?.reservationNo, reservationNo);
    });

    it('answers 503 when payment is too slow, and a retry after payment approved meanwhile pays once', async () => {
      const { reservationNo } = await reserve();
      payment.hold();
      let slow;
      try {
        slow = await http.patch(`/reservations/${reservationNo}`, paid);
      } finally {
        payment.release();
      }
      assertProblem(slow, 503);
      assert.match(slow.body.detail, /did not answer within 1000 ms/);
      assert.equal((await reservationNow(reservationNo)).paymentStatus, 'NotPaid');
      await eventually(() => assert.ok(payment.payments.has(reservationNo)), { what: 'payment to approve the held call' });
      const first = payment.payments.get(reservationNo);

      const retried = await http.patch(`/reservations/${reservationNo}`, paid);
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(retried.body.paymentStatus, 'Paid');
      assert.deepEqual(payment.payments.get(reservationNo), first, 'the retry found the payment made, not a second one');
    });

    it('refuses bad input with 400/404/413 problems, writing and publishing nothing', async () => {
      const outboxSize = async () =>
        Number((await reservation.context.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      await eventually(async () => assert.equal(await outboxSize(), 0), within);
      const { reservationNo } = await reserve();
      const before = { total: (await http.get('/reservations')).headers.get('x-total-count'), at: Date.now(), reservation: await reservationNow(reservationNo) };
      const callsBefore = payment.calls.length;

      assertProblem(await http.post('/reservations', { ...seedReservation, customerId: 'one' }), 400, '/customerId');
      assertProblem(await http.post('/reservations', { ...seedReservation, itemNo: 0 }), 400, '/itemNo');
      const { customerName: _, ...nameless } = seedReservation;
      assertProblem(await http.post('/reservations', nameless), 400, '/customerName');
      assertProblem(await http.post('/reservations', { ...seedReservation, paymentStatus: 'Maybe' }), 400, '/paymentStatus');
      assertProblem(await http.post('/reservations', { ...seedReservation, discount: 5 }), 400, '/discount');
      assertProblem(await http.post('/reservations', '{"customerName": '), 400);
      assertProblem(await http.post('/reservations', { ...seedReservation, customerName: 'x'.repeat(2_000_000) }), 413);
      assertProblem(await http.patch(`/reservations/${reservationNo}`, { paymentStatus: 'Free' }), 400, '/paymentStatus');
      assertProblem(await http.patch(`/reservations/${reservationNo}`, { paymentStatus: 'Paid', tip: 1 }), 400, '/tip');
      assertProblem(await http.patch(`/reservations/${reservationNo}`, { itemPrice: 1 }), 400, '/itemPrice');
      assertProblem(await http.patch('/reservations/abc', paid), 400, '/reservationNo');
      assertProblem(await http.patch('/reservations/99999', paid), 404);
      assertProblem(await http.get('/reservations/99999'), 404);
      assertProblem(await http.delete('/reservations/99999'), 404);

      assert.equal(payment.calls.length, callsBefore, 'no bad request reached payment');
      assert.equal((await http.get('/reservations')).headers.get('x-total-count'), before.total);
      assert.deepEqual(await reservationNow(reservationNo), before.reservation);
      assert.equal(await outboxSize(), 0);
      const marker = await reserve();
      await eventually(() => assert.equal(published('gdmarket.Reserved', marker.reservationNo).length, 1), within);
      assert.deepEqual(
        tap.received.filter((e) => Date.parse(e.occurredAt) >= before.at).map((e) => [e.type, (e.payload as { reservationNo: number }).reservationNo]),
        [['gdmarket.Reserved', marker.reservationNo]],
        'only the marker was published after the bad requests',
      );
    });
  });
}
