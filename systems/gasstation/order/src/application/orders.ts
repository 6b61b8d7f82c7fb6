import type { DomainEvent } from '@eventide/core';
import { placeOrder, type Order } from '../domain/order.ts';
import type { ProductRepository } from './products.ts';

export interface OrderRepository {
  /** The next orderId of the order counter; never reused. */
  nextOrderId(): Promise<number>;
  add(order: Order): Promise<void>;
}

export interface OrderUnit {
  readonly orders: OrderRepository;
  readonly products: ProductRepository;
  readonly emit: (event: DomainEvent) => void;
}

export interface OrderRequest {
  readonly productId: string;
  readonly qty: number;
  readonly destAddr: string;
}

/**
 * `/orders/placeOrder`: resolves true once the order is stored with its Ordered event, false for a
 * product the master does not have (the original's answer; nothing is stored or published then).
 */
export async function takeOrder(unit: OrderUnit, request: OrderRequest, today: string): Promise<boolean> {
  const stored = await unit.products.find(request.productId);
  if (!stored) return false;
  const placement = placeOrder(stored.product, {
    orderId: await unit.orders.nextOrderId(),
    qty: request.qty,
    destAddr: request.destAddr,
    orderDate: today,
  });
  await unit.orders.add(placement.order);
  for (const event of placement.events) unit.emit({ ...event, aggregateVersion: 1 });
  return true;
}
