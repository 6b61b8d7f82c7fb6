import { insertIgnore, nextNumber, versionedTable, type Migration } from '@eventide/store';
import type { Kysely } from 'kysely';
import type { Order } from '../domain/order.ts';
import type { Product } from '../domain/product.ts';
import type { OrderRepository } from '../application/orders.ts';
import type { ProductRepository, StoredProduct } from '../application/products.ts';

interface OrdersTable {
  order_id: number;
  product_id: string;
  product_name: string;
  qty: number;
  dest_addr: string;
  order_date: string;
}

interface ProductsTable {
  product_id: string;
  product_name: string;
  price: number;
  version: number;
}

export interface OrderDatabase {
  orders: OrdersTable;
  products: ProductsTable;
}

/** The same statements on SQLite, PostgreSQL and MariaDB (T_ORDER and T_PRODUCT_M). */
export const orderMigrations: Record<string, Migration> = {
  '001_orders_and_products': {
    async up(db) {
      await db.schema
        .createTable('orders')
        .addColumn('order_id', 'integer', (c) => c.primaryKey())
        .addColumn('product_id', 'varchar(50)', (c) => c.notNull())
        .addColumn('product_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('qty', 'double precision', (c) => c.notNull())
        .addColumn('dest_addr', 'varchar(500)', (c) => c.notNull())
        .addColumn('order_date', 'varchar(10)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('products')
        .addColumn('product_id', 'varchar(50)', (c) => c.primaryKey())
        .addColumn('product_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('price', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

const orderColumns = ['order_id', 'product_id', 'product_name', 'qty', 'dest_addr', 'order_date'] as const;
const productColumns = ['product_id', 'product_name', 'price'] as const;

const toOrder = (row: Pick<OrdersTable, (typeof orderColumns)[number]>): Order => ({
  orderId: Number(row.order_id),
  productId: row.product_id,
  productName: row.product_name,
  qty: Number(row.qty),
  destAddr: row.dest_addr,
  orderDate: row.order_date,
});

type ProductRow = Omit<ProductsTable, 'version'>;

const toProduct = (row: ProductRow): Product => ({
  productId: row.product_id,
  productName: row.product_name,
  price: Number(row.price),
});

const toProductRow = (product: Product): ProductRow => ({ product_id: product.productId, product_name: product.productName, price: product.price });

export function orderRepository(trx: Kysely<any>): OrderRepository {
  const db = trx as Kysely<OrderDatabase>;
  return {
    nextOrderId: () => nextNumber(trx, 'order'),
    async add(order) {
      await db
        .insertInto('orders')
        .values({
          order_id: order.orderId,
          product_id: order.productId,
          product_name: order.productName,
          qty: order.qty,
          dest_addr: order.destAddr,
          order_date: order.orderDate,
        })
        .execute();
    },
  };
}

export function productRepository(trx: Kysely<any>): ProductRepository {
  const products = versionedTable<ProductRow, 'product_id'>(trx, { table: 'products', key: 'product_id', columns: productColumns, noun: 'product' });
  return {
    async find(productId): Promise<StoredProduct | undefined> {
      const found = await products.find(productId);
      return found && { product: toProduct(found.row), version: found.version };
    },
    addIfAbsent: (product) => insertIgnore(trx, 'products', { ...toProductRow(product), version: 1 }, ['product_id']),
    update: (product, version) => products.update(toProductRow(product), version),
  };
}

interface PageRequest {
  readonly page: number;
  readonly size: number;
}

/** One page of orders in orderId order, with the total for X-Total-Count. */
export async function listOrders(db: Kysely<any>, query: PageRequest & { orderId?: number }): Promise<{ items: Order[]; total: number }> {
  let selection = (db as Kysely<OrderDatabase>).selectFrom('orders');
  if (query.orderId !== undefined) selection = selection.where('order_id', '=', query.orderId);
  const { total } = await selection.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  const rows = await selection.select(orderColumns).orderBy('order_id').limit(query.size).offset(query.page * query.size).execute();
  return { items: rows.map(toOrder), total: Number(total) };
}

/** One page of the product master in productId order, with the total for X-Total-Count. */
export async function listProducts(db: Kysely<any>, query: PageRequest & { productId?: string }): Promise<{ items: Product[]; total: number }> {
  let selection = (db as Kysely<OrderDatabase>).selectFrom('products');
  if (query.productId !== undefined) selection = selection.where('product_id', '=', query.productId);
  const { total } = await selection.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  const rows = await selection.select(productColumns).orderBy('product_id').limit(query.size).offset(query.page * query.size).execute();
  return { items: rows.map(toProduct), total: Number(total) };
}
