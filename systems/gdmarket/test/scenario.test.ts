import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startService, type RunningService } from '@eventide/service-host';
import { probeLimits } from '@eventide/service-host/testing';
import { eventually } from '@eventide/testing';
import { defineItemService } from '../item/src/service.ts';
import { definePaymentService } from '../payment/src/service.ts';
import { defineReservationService } from '../reservation/src/service.ts';
import { assertStatus, client, distributedSystem, embeddedSystem, type SystemSetup } from './support.ts';

/**
 * The seed's acceptance scenario (spec D.8 steps 1 to 8) against the three services directly, each
 * request as the seed's httpie command sends it. Ids are read from responses (spec D.10.12). The
 * steps run in order and build on each other, as the seed's walkthrough does.
 */
for (const mode of [embeddedSystem, distributedSystem]) {
  describe(`${mode.tag}GDmarket seed scenario`, mode.options, () => {
    let setup: SystemSetup<'item' | 'reservation' | 'payment'>;
    let item: RunningService;
    let reservation: RunningService;
    let payment: RunningService;
    const items = client(() => item.url);
    const reservations = client(() => reservation.url);
    const payments = client(() => payment.url);
    const within = { within: mode.within };

    const startItem = async () => (item = await startService(defineItemService(setup.system), { env: setup.env.item }));
    const startPayment = async (port = '0') =>
      (payment = await startService(definePaymentService(setup.system), { env: { ...setup.env.payment, PORT: port } }));

    before(async () => {
      setup = await mode.prepare();
      await startItem();
      await startPayment();
      reservation = await startService(defineReservationService(setup.system), {
        env: { ...setup.env.reservation, PAYMENT_URL: payment.url, PAYMENT_HALF_OPEN_AFTER_MS: '200' },
      });
    });
    after(async () => {
      await Promise.all([item?.close(), reservation?.close(), payment?.close()]);
      await setup?.cleanup();
    });

    let itemNo: number;
    let reservationNo: number;
    const reserve = async (forItem: number, customerName = 'YoungEunSong', customerId = '1') => {
      const response = await reservations.post('/reservations', {
        customerName,
        customerId,
        itemNo: String(forItem),
        itemName: 'Camera',
        itemPrice: '100',
        paymentStatus: 'NotPaid',
        rentalStatus: 'NotRenting',
      });
      assertStatus(response, 201);
      return response.body.reservationNo as number;
    };
    const register = async (itemName = 'Camera') => {
      const response = await items.post('/items', { itemName, itemPrice: '100', itemStatus: 'Rentable', rentalStatus: 'NotRenting' });
      assertStatus(response, 201);
      return response.body.itemNo as number;
    };
    const itemStatusOf = async (no: number) => (await items.get(`/items/${no}`)).body.itemStatus;

    it('1. registers the Camera: POST :8081/items → 201', async () => {
      itemNo = await register();
      assert.deepEqual((await items.get(`/items/${itemNo}`)).body, {
        itemNo,
        itemName: 'Camera',
        itemPrice: 100,
        itemStatus: 'Rentable',
        rentalStatus: 'NotRenting',
        reservationNo: null,
      });
    });

    it('2. reserves it: POST :8082/reservations → 201', async () => {
      reservationNo = await reserve(itemNo);
      assert.equal((await reservations.get(`/reservations/${reservationNo}`)).body.paymentStatus, 'NotPaid');
    });

    it('3. the item eventually shows NotRentable (pub/sub)', async () => {
      await eventually(async () => assert.equal(await itemStatusOf(itemNo), 'NotRentable'), { ...within, what: 'the item to be reserved' });
    });

    it('4. pays: PATCH :8082/reservations/{n} paymentStatus=Paid → 200, and :8083/payments lists the payment', async () => {
      const response = await reservations.patch(`/reservations/${reservationNo}`, { paymentStatus: 'Paid' });
      assertStatus(response, 200);
      assert.equal(response.body.paymentStatus, 'Paid');
      const listed = await payments.get('/payments');
      assert.deepEqual(
        listed.body.map(({ paymentNo: _, ...rest }: { paymentNo: number }) => rest),
        [{ reservationNo, itemNo, itemPrice: 100, paymentStatus: 'Paid' }],
      );
    });

    it('5. lends: PATCH :8081/items/{n} rentalStatus=Renting → 200; the reservation eventually shows Renting', async () => {
      const response = await items.patch(`/items/${itemNo}`, {
        itemNo: String(itemNo),
        reservationNo: String(reservationNo),
        itemStatus: 'NotRentable',
        rentalStatus: 'Renting',
      });
      assertStatus(response, 200);
      await eventually(async () => assert.equal((await reservations.get(`/reservations/${reservationNo}`)).body.rentalStatus, 'Renting'), within);
    });

    it('6. returns: PATCH :8081/items/{n} rentalStatus=Returned → 200; the reservation eventually shows Returned', async () => {
      const response = await items.patch(`/items/${itemNo}`, {
        itemNo: String(itemNo),
        reservationNo: String(reservationNo),
        itemStatus: 'Rentable',
        rentalStatus: 'Returned',
      });
      assertStatus(response, 200);
      await eventually(async () => assert.equal((await reservations.get(`/reservations/${reservationNo}`)).body.rentalStatus, 'Returned'), within);
    });

    it('7. GET :8081/itemInfoes shows the one row the seed shows', async () => {
      const row = {
        itemNo,
        itemName: 'Camera',
        itemStatus: 'NotRentable',
        itemPrice: 100,
        reservationNo,
        rentalStatus: 'Returned',
        customerId: 1,
        customerName: 'YoungEunSong',
      };
      await eventually(async () => assert.deepEqual((await items.get('/itemInfoes')).body, [row]), within);
      assert.deepEqual((await items.get(`/itemInfoes/search/findByItemNo?itemNo=${itemNo}`)).body, [row]);
    });

    it('3b. a cancelled reservation (DELETE → 204) eventually makes its item Rentable again', async () => {
      const other = await register('Tent');
      const held = await reserve(other);
      await eventually(async () => assert.equal(await itemStatusOf(other), 'NotRentable'), within);
      assertStatus(await reservations.delete(`/reservations/${held}`), 204);
      await eventually(async () => assert.equal(await itemStatusOf(other), 'Rentable'), within);
    });

    it('4b. a refund (PATCH reservationNo paymentStatus=NotPaid → 200) cancels the payment', async () => {
      const other = await register('Bike');
      const refunded = await reserve(other);
      assertStatus(await reservations.patch(`/reservations/${refunded}`, { paymentStatus: 'Paid' }), 200);
      assert.equal((await payments.get(`/payments/search/findByReservationNo?reservationNo=${refunded}`)).body.length, 1);
      const response = await reservations.patch(`/reservations/${refunded}`, { reservationNo: String(refunded), paymentStatus: 'NotPaid' });
      assertStatus(response, 200);
      assert.equal(response.body.paymentStatus, 'NotPaid');
      assert.deepEqual((await payments.get(`/payments/search/findByReservationNo?reservationNo=${refunded}`)).body, []);
      assert.deepEqual(
        (await payments.get('/payments')).body.map((p: { reservationNo: number }) => p.reservationNo),
        [reservationNo],
      );
    });

    it('4c. with payment stopped, paying answers 503 with Retry-After and leaves the reservation NotPaid; with payment back it succeeds', async () => {
      const other = await register('Kayak');
      const unpaid = await reserve(other, 'Second', '2');
      const port = String(payment.port);
      await payment.close();
      try {
        const response = await reservations.patch(`/reservations/${unpaid}`, { paymentStatus: 'Paid' });
        assertStatus(response, 503);
        assert.ok(Number(response.headers.get('retry-after')) >= 1);
        assert.equal((await reservations.get(`/reservations/${unpaid}`)).body.paymentStatus, 'NotPaid');
      } finally {
        await startPayment(port);
      }
      const paid = await eventually(
        async () => {
          const response = await reservations.patch(`/reservations/${unpaid}`, { paymentStatus: 'Paid' });
          assertStatus(response, 200);
          return response.body;
        },
        { ...within, every: 100, what: 'the same PATCH to succeed once payment is back' },
      );
      assert.equal(paid.paymentStatus, 'Paid');
      assert.equal((await payments.get(`/payments/search/findByReservationNo?reservationNo=${unpaid}`)).body.length, 1);
    });

    it('8. temporal decoupling: with item stopped a reservation is accepted (201); item started again eventually shows NotRentable', async () => {
      assert.equal(await itemStatusOf(itemNo), 'Rentable');
      await item.close();
      const whileDown = await reserve(itemNo, 'Latecomer', '3');
      assert.equal((await reservations.get(`/reservations/${whileDown}`)).status, 200);
      await startItem();
      await eventually(async () => assert.equal(await itemStatusOf(itemNo), 'NotRentable'), { ...within, what: 'the restarted item to catch up' });
      assert.equal((await items.get(`/items/${itemNo}`)).body.reservationNo, whileDown);
      await eventually(async () => assert.equal((await items.get(`/itemInfoes/${itemNo}`)).body.reservationNo, whileDown), within);
    });

    it('answers every documented operation of each service at and past its schema\'s limits with a client error or a success, never a 5xx', async () => {
      for (const service of [item, reservation, payment]) {
        const { asked, breaches } = await probeLimits(service.url);
        assert.ok(asked > 20, `${service.name}: only ${asked} requests`);
        assert.deepEqual(breaches, [], service.name);
      }
    });
  });
}
