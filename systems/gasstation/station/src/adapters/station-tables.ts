import { dialectOf, insertIgnore, insertRow, nextNumber, runCompiledOnce, type Migration } from '@eventide/store';
import type { Emit } from '@eventide/service-host';
import { sql, type Kysely } from 'kysely';
import type { ProductMasters, StationUnit, StockFlowRepository, StockSummaries } from '../application/stocks.ts';
import type { ProductMaster } from '../domain/product-master.ts';
import type { FlowReason, StockFlow, StockMovement } from '../domain/stock-flow.ts';
import { foldStockFlow, type StockSummary } from '../domain/stock-summary.ts';

interface StockFlowsTable {
  stock_id: number;
  product_id: string;
  product_name: string;
  qty: number;
  qty_to_be: number | null;
  reason: FlowReason | null;
  order_id: number | null;
}

interface ProductMastersTable {
  product_id: string;
  product_name: string;
  price: number;
}

interface AccountsTable {
  account_id: number;
  account_name: string | null;
  amount: number;
}

interface StockSummariesTable {
  product_id: string;
  product_name: string;
  qty: number;
}

interface StationDatabase {
  stock_flows: StockFlowsTable;
  product_masters: ProductMastersTable;
  accounts: AccountsTable;
  stock_summaries: StockSummariesTable;
}

/** The same statements on SQLite, PostgreSQL and MariaDB. */
export const stationMigrations: Record<string, Migration> = {
  '001_station': {
    async up(db) {
      await db.schema
        .createTable('stock_flows')
        .addColumn('stock_id', 'integer', (c) => c.primaryKey())
        .addColumn('product_id', 'varchar(50)', (c) => c.notNull())
        .addColumn('product_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('qty', 'double precision', (c) => c.notNull())
        .addColumn('qty_to_be', 'double precision')
        .addColumn('reason', 'varchar(16)')
        .addColumn('order_id', 'integer')
        .execute();
      // One scheduled receipt per order; flows of sales and cancellations have none (NULLs never clash).
      await db.schema.createIndex('stock_flows_order_id').on('stock_flows').column('order_id').unique().execute();
      await db.schema
        .createTable('product_masters')
        .addColumn('product_id', 'varchar(50)', (c) => c.primaryKey())
        .addColumn('product_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('price', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('accounts')
        .addColumn('account_id', 'integer', (c) => c.primaryKey())
        .addColumn('account_name', 'varchar(200)')
        .addColumn('amount', 'double precision', (c) => c.notNull())
        .execute();
      // The credit account (외상계정) every sale names: future scope in the original (spec E.10.12).
      await db.insertInto('accounts').values({ account_id: 1, account_name: null, amount: 0 }).execute();
      await db.schema
        .createTable('stock_summaries')
        .addColumn('product_id', 'varchar(50)', (c) => c.primaryKey())
        .addColumn('product_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('qty', 'double precision', (c) => c.notNull())
        .execute();
    },
  },
};

/** The station's repositories over one transaction, for a command or a policy. */
export const stationUnit = (trx: Kysely<any>, emit: Emit): StationUnit => ({
  flows: stockFlowRepository(trx),
  summaries: stockSummaries(trx),
  masters: productMasters(trx),
  emit,
});

const flowColumns = ['stock_id', 'product_id', 'product_name', 'qty', 'qty_to_be', 'reason', 'order_id'] as const;

const toFlow = (row: StockFlowsTable): StockFlow => ({
  stockId: Number(row.stock_id),
  productId: row.product_id,
  productName: row.product_name,
  qty: Number(row.qty),
  qtyToBe: row.qty_to_be === null ? null : Number(row.qty_to_be),
  reason: row.reason,
  orderId: row.order_id === null ? null : Number(row.order_id),
});

const toFlowRow = (flow: StockFlow): StockFlowsTable => ({
  stock_id: flow.stockId,
  product_id: flow.productId,
  product_name: flow.productName,
  qty: flow.qty,
  qty_to_be: flow.qtyToBe,
  reason: flow.reason,
  order_id: flow.orderId,
});

const toSummary = (row: StockSummariesTable): StockSummary => ({ productId: row.product_id, productName: row.product_name, qty: Number(row.qty) });
const toMaster = (row: ProductMastersTable): ProductMaster => ({ productId: row.product_id, productName: row.product_name, price: Number(row.price) });

export function stockFlowRepository(trx: Kysely<any>): StockFlowRepository {
  const db = trx as Kysely<StationDatabase>;
  return {
    nextStockId: () => nextNumber(trx, 'stockFlow'),
    async findByOrderId(orderId) {
      const row = await db.selectFrom('stock_flows').select(flowColumns).where('order_id', '=', orderId).executeTakeFirst();
      return row && toFlow(row);
    },
    async add(flow) {
      await insertRow(db, 'stock_flows', toFlowRow(flow));
    },
    async update(flow, previousQty) {
      const { numUpdatedRows } = await db
        .updateTable('stock_flows')
        .set(toFlowRow(flow))
        .where('stock_id', '=', flow.stockId)
        .where('qty', '=', previousQty)
        .executeTakeFirst();
      return numUpdatedRows > 0n;
    },
  };
}

/**
 * The StockSummary inline, in the transaction of the movement: the product's row is locked (on
 * PostgreSQL and MariaDB; SQLite has one writer), folded with foldStockFlow and written back, so
 * concurrent movements of one product add up. The first movement of a product inserts its row; when
 * a concurrent first movement inserted it meanwhile, the row is read again and folded onto.
 */
export function stockSummaries(trx: Kysely<any>): StockSummaries {
  const db = trx as Kysely<StationDatabase>;
  const locking = dialectOf(trx) !== 'sqlite';
  const add = async (movement: StockMovement): Promise<void> => {
    const { rows } = await runCompiledOnce<StockSummariesTable>(trx, 'read a stock summary to fold onto', [movement.productId], () => {
      const select = db.selectFrom('stock_summaries').selectAll().where('product_id', '=', movement.productId);
      return locking ? select.forUpdate() : select;
    });
    const row = rows[0];
    const next = foldStockFlow(row && toSummary(row), movement);
    if (next === undefined) return;
    const values = { product_id: next.productId, product_name: next.productName, qty: next.qty };
    if (row) {
      await runCompiledOnce(trx, 'write a stock summary', [...Object.values(values), next.productId], () =>
        db.updateTable('stock_summaries').set(values).where('product_id', '=', next.productId),
      );
    } else if (!(await insertIgnore(trx, 'stock_summaries', values, ['product_id']))) {
      await add(movement);
    }
  };
  return { add };
}

/**
 * Rebuilds the StockSummary from the stock flows with the same fold (foldStockFlow), in flow
 * order, in the caller's transaction; resolves how many rows it wrote. On PostgreSQL and MariaDB it
 * first locks the stockFlow counter (every new flow takes it first) and the flows it reads (a
 * confirmation updates one), so no movement is recorded between the read and the write.
 */
export async function rebuildStockSummaries(trx: Kysely<any>): Promise<number> {
  const db = trx as Kysely<StationDatabase>;
  const locking = dialectOf(trx) !== 'sqlite';
  if (locking) await trx.updateTable('counters').set({ last_value: sql`last_value` }).where('entity', '=', 'stockFlow').execute();
  const select = db.selectFrom('stock_flows').select(flowColumns).orderBy('stock_id');
  const flows = await (locking ? select.forUpdate() : select).execute();
  const summaries = new Map<string, StockSummary>();
  for (const flow of flows.map(toFlow)) {
    const next = foldStockFlow(summaries.get(flow.productId), flow);
    if (next) summaries.set(flow.productId, next);
  }
  await db.deleteFrom('stock_summaries').execute();
  for (const summary of summaries.values()) {
    await db.insertInto('stock_summaries').values({ product_id: summary.productId, product_name: summary.productName, qty: summary.qty }).execute();
  }
  return summaries.size;
}

export function productMasters(trx: Kysely<any>): ProductMasters {
  const db = trx as Kysely<StationDatabase>;
  return {
    async find(productId) {
      const row = await db.selectFrom('product_masters').selectAll().where('product_id', '=', productId).executeTakeFirst();
      return row && toMaster(row);
    },
    async save(master) {
      const values = { product_id: master.productId, product_name: master.productName, price: master.price };
      const { numUpdatedRows } = await db.updateTable('product_masters').set(values).where('product_id', '=', master.productId).executeTakeFirst();
      if (numUpdatedRows === 0n) await db.insertInto('product_masters').values(values).execute();
    },
  };
}

interface PageQuery {
  readonly page: number;
  readonly size: number;
}

/** The read side: one page in key order, with the total for X-Total-Count. */
export function stationReads(db: Kysely<any>) {
  const station = db as Kysely<StationDatabase>;
  const offset = (query: PageQuery) => query.page * query.size;
  const count = async (table: keyof StationDatabase) => {
    const { total } = await station.selectFrom(table).select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
    return Number(total);
  };
  return {
    async stockFlows(query: PageQuery & { orderId?: number | undefined; stockId?: number | undefined }) {
      let selection = station.selectFrom('stock_flows');
      if (query.orderId !== undefined) selection = selection.where('order_id', '=', query.orderId);
      if (query.stockId !== undefined) selection = selection.where('stock_id', '=', query.stockId);
      const { total } = await selection.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
      const rows = await selection.select(flowColumns).orderBy('stock_id').limit(query.size).offset(offset(query)).execute();
      return { items: rows.map(toFlow), total: Number(total) };
    },
    async productMasters(query: PageQuery & { productId?: string | undefined }) {
      let selection = station.selectFrom('product_masters');
      if (query.productId !== undefined) selection = selection.where('product_id', '=', query.productId);
      const rows = await selection.selectAll().orderBy('product_id').limit(query.size).offset(offset(query)).execute();
      return { items: rows.map(toMaster), total: query.productId === undefined ? await count('product_masters') : rows.length };
    },
    async accounts(query: PageQuery & { accountId?: number | undefined }) {
      let selection = station.selectFrom('accounts');
      if (query.accountId !== undefined) selection = selection.where('account_id', '=', query.accountId);
      const rows = await selection.selectAll().orderBy('account_id').limit(query.size).offset(offset(query)).execute();
      const items = rows.map((row) => ({ accountId: Number(row.account_id), accountName: row.account_name, amount: Number(row.amount) }));
      return { items, total: query.accountId === undefined ? await count('accounts') : items.length };
    },
    async stockSummaries(query: PageQuery & { productId?: string | undefined }) {
      let selection = station.selectFrom('stock_summaries');
      if (query.productId !== undefined) selection = selection.where('product_id', '=', query.productId);
      const rows = await selection.selectAll().orderBy('product_id').limit(query.size).offset(offset(query)).execute();
      return { items: rows.map(toSummary), total: query.productId === undefined ? await count('stock_summaries') : rows.length };
    },
  };
}
