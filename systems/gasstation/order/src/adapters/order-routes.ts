import { notFound } from '@eventide/core';
import { formParameters, PageQuery, sendPage, type App, type ServiceContext } from '@eventide/service-host';
import { Address, Id, ProductId, Quantity, strictObject } from '@gasstation/contracts';
import Type from 'typebox';
import { takeOrder } from '../application/orders.ts';
import { isoDate } from '../domain/order.ts';
import { listOrders, orderRepository, productRepository } from './order-tables.ts';
import { stationName, type StationConfig } from './station-identity.ts';

/** `http -f POST :8083/orders/placeOrder productId=CD1001 qty=20000 destAddr="SK Imme Station"` (spec E.3). */
const PlaceOrderParameters = strictObject({ productId: ProductId, qty: Quantity, destAddr: Address });

const OrderIdParams = Type.Object({ orderId: Id });

/**
 * `/orders`: place an order (a JSON boolean, as the original), read orders, and the station's
 * identity. There is no `POST /orders`: Spring Data REST allowed one, but it would store an order
 * without the product master's check; placeOrder is the one way an order is made.
 */
export function orderRoutes(app: App, { command, store, clock, config }: ServiceContext & { config: StationConfig }): void {
  app.post('/orders/placeOrder', formParameters(PlaceOrderParameters), async (request) =>
    command(request, (trx, emit) =>
      takeOrder({ orders: orderRepository(trx), products: productRepository(trx), emit }, request.body, isoDate(clock.now())),
    ),
  );

  app.get('/orders', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await listOrders(store.db, request.query);
    return sendPage(reply, items, total);
  });

  app.get('/orders/:orderId', { schema: { params: OrderIdParams } }, async (request) => {
    const { items } = await listOrders(store.db, { orderId: request.params.orderId, page: 0, size: 1 });
    const [order] = items;
    if (!order) throw notFound('order', request.params.orderId);
    return order;
  });

  /** `"<station name>, <station code>"` as a JSON string (the original's `"SK Imme, ST0001"`). */
  app.post('/orders/station', async (_request, reply) => {
    const identity = `${await stationName(config)}, ${config.STATION_CODE}`;
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(identity));
  });
}
