import { notFound } from '@eventide/core';
import { topicOf } from '@eventide/messaging';
import { PageQuery, sendPage, type App, type Projection, type ServiceContext } from '@eventide/service-host';
import { Id } from '@gasstation/contracts';
import Type from 'typebox';
import { evolveOrderStatus, orderIdOf, orderStatusSources, type OrderStatus, type OrderStatusEvent } from '../application/order-status.ts';

/** The documents collection of the view, one document per orderId: Spring Data REST's plural of OrderStatus. */
export const orderStatusCollection = 'orderStatuses';

/**
 * Keeps the OrderStatus view (spec E.7) from the order, logistics and station topics of `system`.
 * Its result does not depend on the order events arrive in (see evolveOrderStatus), so it can be
 * rebuilt by replaying them.
 */
export function orderStatusView(system: string): Projection {
  return {
    name: 'orderStatusView',
    topics: [topicOf(system, 'order'), topicOf(system, 'logistics'), topicOf(system, 'station')],
    on: Object.values(orderStatusSources).flat(),
    collections: [orderStatusCollection],
    async project(envelope, session) {
      // The consumer pipeline checked the payload against its contract before this runs.
      const event = { type: envelope.type, payload: envelope.payload } as OrderStatusEvent;
      const orderId = orderIdOf(event);
      if (orderId === undefined) return;
      const rows = session.collection<OrderStatus>(orderStatusCollection);
      const id = String(orderId);
      const before = await rows.get(id);
      const after = evolveOrderStatus(before, event);
      if (after !== undefined && after !== before) await rows.upsert(id, after);
    },
  };
}

/** `/orderStatuses`: the view as a paged collection, and one order's row. */
export function orderStatusRoutes(app: App, context: ServiceContext): void {
  const documents = context.documents;
  if (!documents) throw new Error('the order service keeps its OrderStatus view in a read-model store, and has none');
  const rows = documents.collection<OrderStatus>(orderStatusCollection);

  app.get('/orderStatuses', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await rows.list(request.query);
    return sendPage(reply, items, total);
  });

  app.get('/orderStatuses/:orderId', { schema: { params: Type.Object({ orderId: Id }) } }, async (request) => {
    const row = await rows.get(String(request.params.orderId));
    if (!row) throw notFound('orderStatus', request.params.orderId);
    return row;
  });
}
