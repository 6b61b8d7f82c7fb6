import { AppError } from '@eventide/core';
import { insertRow, nextNumber, runCompiledOnce, type Migration } from '@eventide/store';
import type { Kysely } from 'kysely';
import type { ItemStatus, RentalStatus } from '@gdmarket/contracts';
import type { Item } from '../domain/item.ts';
import type { ItemRepository, StoredItem } from '../application/items.ts';

interface ItemsTable {
  item_no: number;
  item_name: string;
  item_price: number;
  item_status: ItemStatus;
  rental_status: RentalStatus;
  reservation_no: number | null;
  version: number;
}


export interface ItemDatabase {
  items: ItemsTable;
}

/** The same statements on SQLite, PostgreSQL and MariaDB. */
export const itemMigrations: Record<string, Migration> = {
  '001_items': {
    async up(db) {
      await db.schema
        .createTable('items')
        .addColumn('item_no', 'integer', (c) => c.primaryKey())
        .addColumn('item_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('item_price', 'integer', (c) => c.notNull())
        .addColumn('item_status', 'varchar(16)', (c) => c.notNull())
        .addColumn('rental_status', 'varchar(16)', (c) => c.notNull())
        .addColumn('reservation_no', 'integer')
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

const columns = ['item_no', 'item_name', 'item_price', 'item_status', 'rental_status', 'reservation_no'] as const;

export const toItem = (row: Pick<ItemsTable, (typeof columns)[number]>): Item => ({
  itemNo: Number(row.item_no),
  itemName: row.item_name,
  itemPrice: Number(row.item_price),
  itemStatus: row.item_status,
  rentalStatus: row.rental_status,
  reservationNo: row.reservation_no === null ? null : Number(row.reservation_no),
});

const toRow = (item: Item) => ({
  item_no: item.itemNo,
  item_name: item.itemName,
  item_price: item.itemPrice,
  item_status: item.itemStatus,
  rental_status: item.rentalStatus,
  reservation_no: item.reservationNo,
});

/**
 * The repository over one transaction. The counter row is updated before it is read, so the
 * row lock serializes concurrent creates on PostgreSQL and MariaDB, and a rollback gives the number back.
 */
export function itemRepository(trx: Kysely<any>): ItemRepository {
  const db = trx as Kysely<ItemDatabase>;
  const changedMeanwhile = (itemNo: number) => new AppError('conflict', `item ${itemNo} was changed by another request meanwhile; try again`);
  return {
    async nextItemNo() {
      return nextNumber(trx, 'item');
    },
    async find(itemNo): Promise<StoredItem | undefined> {
      const { rows } = await runCompiledOnce<ItemsTable>(db, 'read an item', [itemNo], () =>
        db.selectFrom('items').select([...columns, 'version']).where('item_no', '=', itemNo),
      );
      const row = rows[0];
      return row && { item: toItem(row), version: Number(row.version) };
    },
    async add(item) {
      await insertRow(db, 'items', { ...toRow(item), version: 1 });
    },
    async update(item, version) {
      const row = { ...toRow(item), version: version + 1 };
      const { numAffectedRows } = await runCompiledOnce(db, 'update an item at its version', [...Object.values(row), item.itemNo, version], () =>
        db.updateTable('items').set(row).where('item_no', '=', item.itemNo).where('version', '=', version),
      );
      if (numAffectedRows === 0n) throw changedMeanwhile(item.itemNo);
    },
    async remove(itemNo, version) {
      const { numDeletedRows } = await db.deleteFrom('items').where('item_no', '=', itemNo).where('version', '=', version).executeTakeFirst();
      if (numDeletedRows === 0n) throw changedMeanwhile(itemNo);
    },
  };
}

/** The read side: one page of items in itemNo order, with the total for X-Total-Count. */
export async function listItems(
  db: Kysely<any>,
  query: { page: number; size: number; itemNo?: number | undefined },
): Promise<{ items: Item[]; total: number }> {
  let selection = (db as Kysely<ItemDatabase>).selectFrom('items');
  if (query.itemNo !== undefined) selection = selection.where('item_no', '=', query.itemNo);
  const { total } = await selection.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  const rows = await selection
    .select(columns)
    .orderBy('item_no')
    .limit(query.size)
    .offset(query.page * query.size)
    .execute();
  return { items: rows.map(toItem), total: Number(total) };
}
