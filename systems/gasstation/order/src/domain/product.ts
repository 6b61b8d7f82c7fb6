import type { Emitted, ProductChanged } from '@gasstation/contracts';

/**
 * A product of the head office's master (유종, e.g. CD1001 GAS). The master is the source of every
 * station's copy: each change is announced with ProductChanged, which Station follows.
 */
export interface Product {
  readonly productId: string;
  readonly productName: string;
  /** Unit price in won. */
  readonly price: number;
}

/** The products every new head office starts with (spec E.2). */
export const seedProducts: readonly Product[] = [
  { productId: 'CD1001', productName: 'GAS', price: 2000 },
  { productId: 'CD1004', productName: 'Diesel', price: 1500 },
];

export type ProductEvent = Emitted<typeof ProductChanged>;

/**
 * What a command did to a product: the product to store and the events to publish, committed
 * together. A change with no events and the same product is a no-op.
 */
export interface ProductChange {
  readonly product: Product;
  readonly events: readonly ProductEvent[];
}

export interface ProductDetails {
  readonly productName?: string;
  readonly price?: number;
}

/** A product enters the master: announced once (the original announced seeded products twice, spec E.10.6). */
export function introduceProduct(product: Product): ProductChange {
  return { product, events: [productChanged(product, false)] };
}

/** Renames or reprices a product; announced only when a value differs (compared by value, spec E.10.5). */
export function reviseProduct(product: Product, details: ProductDetails): ProductChange {
  const revised = { ...product, ...definedOnly(details) };
  if (revised.productName === product.productName && revised.price === product.price) return { product, events: [] };
  return { product: revised, events: [productChanged(revised, false)] };
}

/**
 * `/products/sync`: sends the product again with `resend: true`, so stations republish their copy
 * even when nothing changed; with a price that differs, the product takes it first. One event either
 * way: it carries the price now in force.
 */
export function resendProduct(product: Product, price?: number): ProductChange {
  const current = price === undefined || price === product.price ? product : { ...product, price };
  return { product: current, events: [productChanged(current, true)] };
}

const definedOnly = (details: ProductDetails): ProductDetails =>
  Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));

const productChanged = (product: Product, resend: boolean): ProductEvent => ({
  type: 'gasstation.ProductChanged',
  aggregateType: 'Product',
  aggregateId: product.productId,
  correlationId: product.productId,
  payload: { productId: product.productId, productName: product.productName, price: product.price, resend },
});
