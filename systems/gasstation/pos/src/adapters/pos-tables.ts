import type { Emit } from '@eventide/service-host';
import { insertRow, nextNumber, runCompiledOnce, type Migration } from '@eventide/store';
import type { Kysely } from 'kysely';
import type { AttemptRepository, MenuRepository, PosUnit, SaleAttempt, SaleRepository } from '../application/sales.ts';
import type { ProductMenu, Sale, SaleStatus } from '../domain/sale.ts';

interface SalesTable {
  sale_id: number;
  product_id: string;
  product_name: string;
  price: number;
  qty: number;
  amount: number;
  account_id: number;
  account_name: string | null;
  status: SaleStatus;
}

interface ProductMenusTable {
  product_id: string;
  product_name: string;
  price: number;
}

interface SaleAttemptsTable {
  attempt_key: string;
  product_id: string;
  product_name: string;
  price: number;
  qty: number;
  amount: number;
  state: 'calling' | 'void';
  opened_at: number;
}

interface PosDatabase {
  sales: SalesTable;
  product_menus: ProductMenusTable;
  sale_attempts: SaleAttemptsTable;
}

/** The same statements on SQLite, PostgreSQL and MariaDB. */
export const posMigrations: Record<string, Migration> = {
  '001_pos': {
    async up(db) {
      await db.schema
        .createTable('sales')
        .addColumn('sale_id', 'integer', (c) => c.primaryKey())
        .addColumn('product_id', 'varchar(50)', (c) => c.notNull())
        .addColumn('product_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('price', 'bigint', (c) => c.notNull())
        .addColumn('qty', 'double precision', (c) => c.notNull())
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .addColumn('account_id', 'integer', (c) => c.notNull())
        .addColumn('account_name', 'varchar(200)')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('product_menus')
        .addColumn('product_id', 'varchar(50)', (c) => c.primaryKey())
        .addColumn('product_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('price', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sale_attempts')
        .addColumn('attempt_key', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('product_id', 'varchar(50)', (c) => c.notNull())
        .addColumn('product_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('price', 'bigint', (c) => c.notNull())
        .addColumn('qty', 'double precision', (c) => c.notNull())
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .addColumn('state', 'varchar(8)', (c) => c.notNull())
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

const saleColumns = ['sale_id', 'product_id', 'product_name', 'price', 'qty', 'amount'] as const;

const toSale = (row: Pick<SalesTable, (typeof saleColumns)[number]>): Sale => ({
  saleId: Number(row.sale_id),
  productId: row.product_id,
  productName: row.product_name,
  price: Number(row.price),
  qty: Number(row.qty),
  amount: Number(row.amount),
  accountId: 1,
  accountName: null,
});

const toMenu = (row: ProductMenusTable): ProductMenu => ({ productId: row.product_id, productName: row.product_name, price: Number(row.price) });

const toAttempt = (row: SaleAttemptsTable): SaleAttempt => ({
  key: row.attempt_key,
  productId: row.product_id,
  productName: row.product_name,
  price: Number(row.price),
  qty: Number(row.qty),
  amount: Number(row.amount),
});

function saleRepository(db: Kysely<PosDatabase>, trx: Kysely<any>): SaleRepository {
  return {
    nextSaleId: () => nextNumber(trx, 'sale'),
    async add(sale) {
      const { saleId, productId, productName, price, qty, amount, accountId, accountName } = sale;
      const row = { sale_id: saleId, product_id: productId, product_name: productName, price, qty, amount, account_id: accountId, account_name: accountName, status: 'Sold' as const };
      await insertRow(db, 'sales', row);
    },
    async find(saleId) {
      const row = await db.selectFrom('sales').select([...saleColumns, 'status']).where('sale_id', '=', saleId).executeTakeFirst();
      return row && { sale: toSale(row), status: row.status };
    },
    async markCancelled(saleId) {
      const { numUpdatedRows } = await db.updateTable('sales').set({ status: 'Cancelled' }).where('sale_id', '=', saleId).where('status', '=', 'Sold').executeTakeFirst();
      return numUpdatedRows > 0n;
    },
  };
}

function menuRepository(db: Kysely<PosDatabase>): MenuRepository {
  return {
    async find(productId) {
      const { rows } = await runCompiledOnce<ProductMenusTable>(db, 'read a product menu', [productId], () =>
        db.selectFrom('product_menus').selectAll().where('product_id', '=', productId),
      );
      return rows[0] && toMenu(rows[0]);
    },
    async save(menu) {
      const values = { product_id: menu.productId, product_name: menu.productName, price: menu.price };
      const { numUpdatedRows } = await db.updateTable('product_menus').set(values).where('product_id', '=', menu.productId).executeTakeFirst();
      if (numUpdatedRows === 0n) await db.insertInto('product_menus').values(values).execute();
    },
  };
}

function attemptRepository(db: Kysely<PosDatabase>): AttemptRepository {
  return {
    async open(attempt, openedAt) {
      const { key, productId, productName, price, qty, amount } = attempt;
      const row = { attempt_key: key, product_id: productId, product_name: productName, price, qty, amount, state: 'calling' as const, opened_at: openedAt };
      await insertRow(db, 'sale_attempts', row);
    },
    async complete(key) {
      const { numAffectedRows } = await runCompiledOnce(db, 'complete a sale attempt', [key, 'calling'], () =>
        db.deleteFrom('sale_attempts').where('attempt_key', '=', key).where('state', '=', 'calling'),
      );
      return (numAffectedRows ?? 0n) > 0n;
    },
    async void(key) {
      await db.updateTable('sale_attempts').set({ state: 'void' }).where('attempt_key', '=', key).execute();
    },
    async voidStale(openedBefore) {
      await db.updateTable('sale_attempts').set({ state: 'void' }).where('state', '=', 'calling').where('opened_at', '<', openedBefore).execute();
      const rows = await db.selectFrom('sale_attempts').selectAll().where('state', '=', 'void').orderBy('opened_at').execute();
      return rows.map(toAttempt);
    },
    async forget(key) {
      await db.deleteFrom('sale_attempts').where('attempt_key', '=', key).execute();
    },
  };
}

/** POS's repositories over one transaction. */
export const posUnit = (trx: Kysely<any>, emit: Emit): PosUnit => {
  const db = trx as Kysely<PosDatabase>;
  return { sales: saleRepository(db, trx), menus: menuRepository(db), attempts: attemptRepository(db), emit };
};

interface PageQuery {
  readonly page: number;
  readonly size: number;
}

/** The read side: one page in key order, with the total for X-Total-Count. Cancelled sales are gone, as the original deleted them. */
export function posReads(db: Kysely<any>) {
  const pos = db as Kysely<PosDatabase>;
  return {
    async sales(query: PageQuery & { saleId?: number | undefined }) {
      let selection = pos.selectFrom('sales').where('status', '=', 'Sold');
      if (query.saleId !== undefined) selection = selection.where('sale_id', '=', query.saleId);
      const { total } = await selection.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
      const rows = await selection.select(saleColumns).orderBy('sale_id').limit(query.size).offset(query.page * query.size).execute();
      return { items: rows.map(toSale), total: Number(total) };
    },
    async productMenus(query: PageQuery & { productId?: string | undefined }) {
      let selection = pos.selectFrom('product_menus');
      if (query.productId !== undefined) selection = selection.where('product_id', '=', query.productId);
      const { total } = await selection.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
      const rows = await selection.selectAll().orderBy('product_id').limit(query.size).offset(query.page * query.size).execute();
      return { items: rows.map(toMenu), total: Number(total) };
    },
    async attempts() {
      return (await pos.selectFrom('sale_attempts').selectAll().execute()).map((row) => ({ ...toAttempt(row), state: row.state }));
    },
  };
}
