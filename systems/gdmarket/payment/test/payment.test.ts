import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { topicOf } from '@eventide/messaging';
import { startService, type RunningService } from '@eventide/service-host';
import { definePaymentService } from '../src/service.ts';
import { assertProblem, client, distributedMode, embeddedMode, type Setup, type Tap } from '@eventide/service-host/testing';
import { eventually } from '@eventide/testing';

const modes = [embeddedMode('gdmarket', 'payment'), await distributedMode('gdmarket', 'payment', 'mariadb', false)];

for (const mode of modes) {
  describe(`${mode.tag}the payment service`, mode.options, () => {
    let setup: Setup;
    let payment: RunningService;
    let tap: Tap;
    const http = client(() => payment.url);
    const within = { within: mode.within };
    let nextReservation = 1;
    const body = (reservationNo: number, itemPrice = 100) => ({ paymentStatus: 'Paid', reservationNo, itemNo: 1, itemPrice });

    before(async () => {
      setup = await mode.prepare();
      payment = await startService(definePaymentService(setup.system), { env: setup.env });
      tap = await setup.tap([topicOf(setup.system, 'payment')]);
    });
    after(async () => {
      await tap?.close();
      await payment?.close();
      await setup?.cleanup();
    });

    const published = (type: string, reservationNo: number) =>
      tap.received.filter((e) => e.type === type && (e.payload as { reservationNo: number }).reservationNo === reservationNo);
    const approve = async (reservationNo = nextReservation++) => {
      const response = await http.post('/payments', body(reservationNo));
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body as { paymentNo: number; reservationNo: number };
    };

    it('approves a reservation with 201, Location and the payment, and publishes PaymentApproved', async () => {
      const reservationNo = nextReservation++;
      const response = await http.post('/payments', body(reservationNo));
      assert.equal(response.status, 201);
      const { paymentNo } = response.body;
      assert.equal(response.headers.get('location'), `/payments/${paymentNo}`);
      const expected = { paymentNo, reservationNo, itemNo: 1, itemPrice: 100, paymentStatus: 'Paid' };
      assert.deepEqual(response.body, expected);
      assert.deepEqual((await http.get(`/payments/${paymentNo}`)).body, expected);
      await eventually(() => assert.equal(published('gdmarket.PaymentApproved', reservationNo).length, 1), within);
      const [event] = published('gdmarket.PaymentApproved', reservationNo);
      assert.deepEqual(event?.payload, { paymentNo, reservationNo, itemPrice: 100, paymentStatus: 'Paid', itemNo: 1 });
      assert.equal(event?.correlationId, String(reservationNo));
    });

    it('answers a repeated approval with the same payment (200), paying once; another price for it is 409', async () => {
      const first = await approve();
      const again = await http.post('/payments', { reservationNo: first.reservationNo, itemNo: 1, itemPrice: '100' });
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, first);
      const other = await http.post('/payments', body(first.reservationNo, 250));
      assertProblem(other, 409);
      assert.match(other.body.detail, new RegExp(`already paid by payment ${first.paymentNo}`));
      const found = await http.get(`/payments/search/findByReservationNo?reservationNo=${first.reservationNo}`);
      assert.deepEqual(found.body, [first]);
      await eventually(() => assert.equal(published('gdmarket.PaymentApproved', first.reservationNo).length, 1), within);
    });

    it('pays once when two approvals of one reservation race', async () => {
      const reservationNo = nextReservation++;
      const answers = await Promise.all([http.post('/payments', body(reservationNo)), http.post('/payments', body(reservationNo))]);
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 201]);
      assert.deepEqual(answers[0]?.body, answers[1]?.body);
    });

    it('cancels by reservationNo with 204 and PaymentCanceled, then answers 404 for it', async () => {
      const { paymentNo, reservationNo } = await approve();
      assert.equal((await http.delete(`/payments?reservationNo=${reservationNo}`)).status, 204);
      assertProblem(await http.get(`/payments/${paymentNo}`), 404);
      assertProblem(await http.delete(`/payments?reservationNo=${reservationNo}`), 404);
      await eventually(() => assert.equal(published('gdmarket.PaymentCanceled', reservationNo).length, 1), within);
      assert.deepEqual(published('gdmarket.PaymentCanceled', reservationNo)[0]?.payload, {
        paymentNo,
        paymentStatus: 'NotPaid',
        reservationNo,
        itemNo: 1,
        itemPrice: 100,
      });
      const renewed = await approve(reservationNo);
      assert.ok(renewed.paymentNo > paymentNo, 'a paymentNo is never reused');
    });

    it('cancels by paymentNo, the seed own endpoint', async () => {
      const { paymentNo } = await approve();
      assert.equal((await http.delete(`/payments/${paymentNo}`)).status, 204);
      assertProblem(await http.delete(`/payments/${paymentNo}`), 404);
    });

    it('pages payments with page, size and X-Total-Count', async () => {
      for (let i = 0; i < 3; i += 1) await approve();
      const all = await http.get('/payments');
      const total = Number(all.headers.get('x-total-count'));
      assert.equal(all.body.length, Math.min(total, 20));
      const page = await http.get('/payments?page=1&size=2');
      assert.deepEqual(page.body, all.body.slice(2, 4));
      assert.equal(page.headers.get('x-total-count'), String(total));
    });

    it('refuses bad input with 400/404/413 problems, writing and publishing nothing', async () => {
      const outboxSize = async () =>
        Number((await payment.context.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      await eventually(async () => assert.equal(await outboxSize(), 0), within);
      const before = { total: (await http.get('/payments')).headers.get('x-total-count'), at: Date.now() };
      const reservationNo = nextReservation++;

      assertProblem(await http.post('/payments', { ...body(reservationNo), paymentStatus: 'NotPaid' }), 400, '/paymentStatus');
      assertProblem(await http.post('/payments', { ...body(reservationNo), itemPrice: 'free' }), 400, '/itemPrice');
      assertProblem(await http.post('/payments', { reservationNo, itemNo: 1 }), 400, '/itemPrice');
      assertProblem(await http.post('/payments', { ...body(reservationNo), paymentNo: 5 }), 400, '/paymentNo');
      assertProblem(await http.post('/payments', '{"reservationNo": 1,'), 400);
      assertProblem(await http.post('/payments', { ...body(reservationNo), pad: 'x'.repeat(2_000_000) }), 413);
      assertProblem(await http.delete('/payments'), 400, '/reservationNo');
      assertProblem(await http.delete('/payments?reservationNo=x'), 400, '/reservationNo');
      assertProblem(await http.delete('/payments/99999'), 404);
      assertProblem(await http.get('/payments/abc'), 400, '/paymentNo');

      assert.equal((await http.get('/payments')).headers.get('x-total-count'), before.total);
      assert.equal(await outboxSize(), 0);
      await approve(reservationNo);
      await eventually(() => assert.equal(published('gdmarket.PaymentApproved', reservationNo).length, 1), within);
      assert.deepEqual(
        tap.received.filter((e) => Date.parse(e.occurredAt) >= before.at).map((e) => e.type),
        ['gdmarket.PaymentApproved'],
        'only the good approval was published after the bad requests',
      );
    });
  });
}
