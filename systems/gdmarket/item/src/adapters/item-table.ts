import { nextNumber, versionedTable, type Migration } from '@eventide/store';
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

type ItemRow = Omit<ItemsTable, 'version'>;

export const toItem = (row: ItemRow): Item => ({
  itemNo: Number(row.item_no),
  itemName: row.item_name,
  itemPrice: Number(row.item_price),
  itemStatus: row.item_status,
  rentalStatus: row.rental_status,
  reservationNo: row.reservation_no === null ? null : Number(row.reservation_no),
});

const toRow = (item: Item): ItemRow => ({
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
  const items = versionedTable<ItemRow, 'item_no'>(trx, { table: 'items', key: 'item_no', columns, noun: 'item' });
  return {
    nextItemNo: () => nextNumber(trx, 'item'),
    async find(itemNo): Promise<StoredItem | undefined> {
      const found = await items.find(itemNo);
      return found && { item: toItem(found.row), version: found.version };
    },
    add: (item) => items.add(toRow(item)),
    update: (item, version) => items.update(toRow(item), version),
    remove: (itemNo, version) => items.remove(itemNo, version),
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
