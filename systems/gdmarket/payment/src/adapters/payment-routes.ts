import { isAppError, notFound } from '@eventide/core';
import type { App, ServiceContext } from '@eventide/service-host';
import { ApprovePaymentBody, CancelPaymentQuery, No } from '@gdmarket/contracts';
import Type from 'typebox';
import { approve, cancelByPaymentNo, cancelByReservationNo } from '../application/payments.ts';
import { listPayments, paymentRepository } from './payment-table.ts';
import { pageFields, PageQuery, sendPage } from '@eventide/service-host';

const PaymentNoParams = Type.Object({ paymentNo: No });
const FindByReservationNoQuery = Type.Object({ reservationNo: No, ...pageFields });

/**
 * `/payments` (contracts/payment-api.ts): approve (201, or 200 with the payment a reservation
 * already has), cancel by reservationNo or by paymentNo (204, 404 when there is none), and reads.
 */
export function paymentRoutes(app: App, { command, store }: ServiceContext): void {
  const { db } = store;
  app.post('/payments', { schema: { body: ApprovePaymentBody } }, async (request, reply) => {
    const approveIn = () => command(request, (trx, emit) => approve({ payments: paymentRepository(trx), emit }, request.body));
    let approved;
    try {
      approved = await approveIn();
    } catch (error) {
      // Two approvals of one reservation at once: the unique index let one insert. Deciding again
      // finds its payment, so the other caller gets it (200) or the rule it breaks (409).
      if (!isAppError(error) || error.code !== 'conflict') throw error;
      approved = await approveIn();
    }
    const { payment, created } = approved;
    if (!created) return payment;
    return reply.status(201).header('location', `/payments/${payment.paymentNo}`).send(payment);
  });

  app.get('/payments', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { payments, total } = await listPayments(db, request.query);
    return sendPage(reply, payments, total);
  });

  app.get('/payments/search/findByReservationNo', { schema: { querystring: FindByReservationNoQuery } }, async (request, reply) => {
    const { payments, total } = await listPayments(db, request.query);
    return sendPage(reply, payments, total);
  });

  app.get('/payments/:paymentNo', { schema: { params: PaymentNoParams } }, async (request) => {
    const { payments } = await listPayments(db, { paymentNo: request.params.paymentNo, page: 0, size: 1 });
    const [payment] = payments;
    if (!payment) throw notFound('payment', request.params.paymentNo);
    return payment;
  });

  app.delete('/payments', { schema: { querystring: CancelPaymentQuery } }, async (request, reply) => {
    await command(request, (trx, emit) => cancelByReservationNo({ payments: paymentRepository(trx), emit }, request.query.reservationNo));
    return reply.status(204).send();
  });

  app.delete('/payments/:paymentNo', { schema: { params: PaymentNoParams } }, async (request, reply) => {
    await command(request, (trx, emit) => cancelByPaymentNo({ payments: paymentRepository(trx), emit }, request.params.paymentNo));
    return reply.status(204).send();
  });
}
