import { notFound, type DomainEvent } from '@eventide/core';
import { introduceProduct, resendProduct, reviseProduct, seedProducts, type Product, type ProductChange, type ProductDetails } from '../domain/product.ts';

/** A product as stored, with the version its row had when read (optimistic concurrency). */
export interface StoredProduct {
  readonly product: Product;
  readonly version: number;
}

export interface ProductRepository {
  find(productId: string): Promise<StoredProduct | undefined>;
  /** Adds the product unless one with its productId exists; resolves whether it added it. */
  addIfAbsent(product: Product): Promise<boolean>;
  /** Stores `product` over the row read at `version`; AppError conflict when another transaction changed it since. */
  update(product: Product, version: number): Promise<void>;
}

/** One unit of work over the product master: its changes and events commit together. */
export interface ProductUnit {
  readonly products: ProductRepository;
  readonly emit: (event: DomainEvent) => void;
}

/**
 * Puts the seed products in the master at first start, announcing each once. A product already
 * there (an earlier start, or a replica that started at the same moment and won the insert) is
 * left as it is and not announced again, so a restart neither resets a changed price nor resends.
 * Resolves the products it added.
 */
export async function seedProductMaster(unit: ProductUnit): Promise<Product[]> {
  const added: Product[] = [];
  for (const product of seedProducts) {
    if (!(await unit.products.addIfAbsent(product))) continue;
    for (const event of introduceProduct(product).events) unit.emit({ ...event, aggregateVersion: 1 });
    added.push(product);
  }
  return added;
}

/** `/products/sync`: resends a product, with a new price if one is given (404 for an unknown product). */
export async function syncProduct(unit: ProductUnit, productId: string, price?: number): Promise<Product> {
  return changeProduct(unit, productId, (product) => resendProduct(product, price));
}

/** `PATCH /products/{productId}`: renames or reprices a product (404 for an unknown product). */
export async function reviseProductDetails(unit: ProductUnit, productId: string, details: ProductDetails): Promise<Product> {
  return changeProduct(unit, productId, (product) => reviseProduct(product, details));
}

async function changeProduct(unit: ProductUnit, productId: string, decide: (product: Product) => ProductChange): Promise<Product> {
  const stored = await unit.products.find(productId);
  if (!stored) throw notFound('product', productId);
  const change = decide(stored.product);
  let version = stored.version;
  if (change.product !== stored.product) {
    await unit.products.update(change.product, stored.version);
    version += 1;
  }
  for (const event of change.events) unit.emit({ ...event, aggregateVersion: version });
  return change.product;
}
