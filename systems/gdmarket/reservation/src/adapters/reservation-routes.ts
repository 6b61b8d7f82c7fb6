import { notFound } from '@eventide/core';
import type { App, ServiceContext } from '@eventide/service-host';
import { Name, No, PaymentStatus, Price, RentalStatus, strictObject } from '@gdmarket/contracts';
import Type from 'typebox';
import { changeReservation, makeReservation, type ChangeDependencies } from '../application/reservations.ts';
import { cancelReservation } from '../domain/reservation.ts';
import { patchReservation } from '../domain/reservation-patch.ts';
import type { PaymentClientConfig } from './payment-client.ts';
import { paymentCall, paymentClient } from './payment-client.ts';
import { listReservations, reservationRepository } from './reservation-table.ts';
import { pageFields, PageQuery, sendPage } from '@eventide/service-host';

/** The seed's POST (spec D.3). A client's reservationNo is accepted and ignored, as Spring Data REST did. */
const ReserveBody = strictObject({
  reservationNo: Type.Optional(No),
  customerName: Name,
  customerId: No,
  itemNo: No,
  itemName: Name,
  itemPrice: Price,
  paymentStatus: Type.Optional(PaymentStatus),
  rentalStatus: Type.Optional(RentalStatus),
});

/** The seed pays (Paid) and refunds (NotPaid) with this PATCH; the other fields may repeat their values. */
const ReservationPatchBody = strictObject({
  reservationNo: Type.Optional(No),
  customerName: Type.Optional(Name),
  customerId: Type.Optional(No),
  itemNo: Type.Optional(No),
  itemName: Type.Optional(Name),
  itemPrice: Type.Optional(Price),
  rentalStatus: Type.Optional(RentalStatus),
  paymentStatus: Type.Optional(PaymentStatus),
});

const ReservationNoParams = Type.Object({ reservationNo: No });
const FindByReservationNoQuery = Type.Object({ reservationNo: No, ...pageFields });

/** `/reservations`: reserve, read, pay and refund (PATCH, calling payment), cancel. */
export function reservationRoutes(app: App, { command, store, config, httpClient }: ServiceContext & { config: PaymentClientConfig }): void {
  const { db } = store;
  const payment = paymentClient(httpClient(paymentCall.options(config)));
  const changing = (request: Parameters<typeof command>[0]): ChangeDependencies => ({
    read: reservationRepository(db),
    transact: (work) => command(request, (trx, emit) => work({ reservations: reservationRepository(trx), emit })),
    payment,
  });

  app.post('/reservations', { schema: { body: ReserveBody } }, async (request, reply) => {
    const reservation = await command(request, (trx, emit) =>
      makeReservation({ reservations: reservationRepository(trx), emit }, request.body),
    );
    return reply.status(201).header('location', `/reservations/${reservation.reservationNo}`).send(reservation);
  });

  app.get('/reservations', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { reservations, total } = await listReservations(db, request.query);
    return sendPage(reply, reservations, total);
  });

  app.get('/reservations/search/findByReservationNo', { schema: { querystring: FindByReservationNoQuery } }, async (request, reply) => {
    const { reservations, total } = await listReservations(db, request.query);
    return sendPage(reply, reservations, total);
  });

  app.get('/reservations/:reservationNo', { schema: { params: ReservationNoParams } }, async (request) => {
    const { reservations } = await listReservations(db, { reservationNo: request.params.reservationNo, page: 0, size: 1 });
    const [reservation] = reservations;
    if (!reservation) throw notFound('reservation', request.params.reservationNo);
    return reservation;
  });

  app.patch('/reservations/:reservationNo', { schema: { params: ReservationNoParams, body: ReservationPatchBody } }, async (request) =>
    changeReservation(changing(request), request.params.reservationNo, (reservation) => patchReservation(reservation, request.body)),
  );

  app.delete('/reservations/:reservationNo', { schema: { params: ReservationNoParams } }, async (request, reply) => {
    await changeReservation(changing(request), request.params.reservationNo, cancelReservation);
    return reply.status(204).send();
  });
}
