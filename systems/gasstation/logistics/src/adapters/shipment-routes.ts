import { notFound } from '@eventide/core';
import { PageQuery, sendPage, type App, type ServiceContext } from '@eventide/service-host';
import { Id } from '@gasstation/contracts';
import Type from 'typebox';
import { listShipments } from './shipment-table.ts';

/** `/shipments`, read-only: shipments are made by the policy on Ordered, never by a request. */
export function shipmentRoutes(app: App, { store }: ServiceContext): void {
  app.get('/shipments', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await listShipments(store.db, request.query);
    return sendPage(reply, items, total);
  });

  app.get('/shipments/:shipId', { schema: { params: Type.Object({ shipId: Id }) } }, async (request) => {
    const { items } = await listShipments(store.db, { shipId: request.params.shipId, page: 0, size: 1 });
    const [shipment] = items;
    if (!shipment) throw notFound('shipment', request.params.shipId);
    return shipment;
  });
}
