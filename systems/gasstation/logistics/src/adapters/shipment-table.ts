import { nextNumber, type Migration } from '@eventide/store';
import type { Kysely } from 'kysely';
import type { Shipment } from '../domain/shipment.ts';
import type { ShipmentRepository } from '../application/shipments.ts';

interface ShipmentsTable {
  ship_id: number;
  order_id: number;
  car_number: string;
  dest_addr: string;
  product_id: string;
  product_name: string;
  qty: number;
}

export interface LogisticsDatabase {
  shipments: ShipmentsTable;
}

/** The same statements on SQLite, PostgreSQL and MariaDB. One shipment per order, held by a unique index. */
export const logisticsMigrations: Record<string, Migration> = {
  '001_shipments': {
    async up(db) {
      await db.schema
        .createTable('shipments')
        .addColumn('ship_id', 'integer', (c) => c.primaryKey())
        .addColumn('order_id', 'integer', (c) => c.notNull().unique())
        .addColumn('car_number', 'varchar(200)', (c) => c.notNull())
        .addColumn('dest_addr', 'varchar(500)', (c) => c.notNull())
        .addColumn('product_id', 'varchar(50)', (c) => c.notNull())
        .addColumn('product_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('qty', 'double precision', (c) => c.notNull())
        .execute();
    },
  },
};

const columns = ['ship_id', 'order_id', 'car_number', 'dest_addr', 'product_id', 'product_name', 'qty'] as const;

const toShipment = (row: ShipmentsTable): Shipment => ({
  shipId: Number(row.ship_id),
  orderId: Number(row.order_id),
  carNumber: row.car_number,
  destAddr: row.dest_addr,
  productId: row.product_id,
  productName: row.product_name,
  qty: Number(row.qty),
});

export function shipmentRepository(trx: Kysely<any>): ShipmentRepository {
  const db = trx as Kysely<LogisticsDatabase>;
  return {
    nextShipId: () => nextNumber(trx, 'shipment'),
    async findByOrderId(orderId) {
      const row = await db.selectFrom('shipments').select(columns).where('order_id', '=', orderId).executeTakeFirst();
      return row && toShipment(row);
    },
    async add(shipment) {
      await db
        .insertInto('shipments')
        .values({
          ship_id: shipment.shipId,
          order_id: shipment.orderId,
          car_number: shipment.carNumber,
          dest_addr: shipment.destAddr,
          product_id: shipment.productId,
          product_name: shipment.productName,
          qty: shipment.qty,
        })
        .execute();
    },
  };
}

/** One page of shipments in shipId order, with the total for X-Total-Count. */
export async function listShipments(
  db: Kysely<any>,
  query: { page: number; size: number; shipId?: number },
): Promise<{ items: Shipment[]; total: number }> {
  let selection = (db as Kysely<LogisticsDatabase>).selectFrom('shipments');
  if (query.shipId !== undefined) selection = selection.where('ship_id', '=', query.shipId);
  const { total } = await selection.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  const rows = await selection.select(columns).orderBy('ship_id').limit(query.size).offset(query.page * query.size).execute();
  return { items: rows.map(toShipment), total: Number(total) };
}
