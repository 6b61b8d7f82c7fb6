import { AppError } from '@eventide/core';
import { insertRow, nextNumber, runCompiledOnce, type Migration } from '@eventide/store';
import type { Kysely } from 'kysely';
import type { PaymentStatus, RentalStatus } from '@gdmarket/contracts';
import type { Reservation } from '../domain/reservation.ts';
import type { ReservationRepository, StoredReservation } from '../application/reservations.ts';

interface ReservationsTable {
  reservation_no: number;
  customer_name: string;
  customer_id: number;
  item_no: number;
  item_name: string;
  item_price: number;
  rental_status: RentalStatus;
  payment_status: PaymentStatus;
  version: number;
}


interface ReservationDatabase {
  reservations: ReservationsTable;
}

/** The same statements on SQLite, PostgreSQL and MariaDB. */
export const reservationMigrations: Record<string, Migration> = {
  '001_reservations': {
    async up(db) {
      await db.schema
        .createTable('reservations')
        .addColumn('reservation_no', 'integer', (c) => c.primaryKey())
        .addColumn('customer_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('customer_id', 'integer', (c) => c.notNull())
        .addColumn('item_no', 'integer', (c) => c.notNull())
        .addColumn('item_name', 'varchar(200)', (c) => c.notNull())
        .addColumn('item_price', 'integer', (c) => c.notNull())
        .addColumn('rental_status', 'varchar(16)', (c) => c.notNull())
        .addColumn('payment_status', 'varchar(16)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

const columns = [
  'reservation_no',
  'customer_name',
  'customer_id',
  'item_no',
  'item_name',
  'item_price',
  'rental_status',
  'payment_status',
] as const;

const toReservation = (row: Pick<ReservationsTable, (typeof columns)[number]>): Reservation => ({
  reservationNo: Number(row.reservation_no),
  customerName: row.customer_name,
  customerId: Number(row.customer_id),
  itemNo: Number(row.item_no),
  itemName: row.item_name,
  itemPrice: Number(row.item_price),
  rentalStatus: row.rental_status,
  paymentStatus: row.payment_status,
});

const toRow = (reservation: Reservation) => ({
  reservation_no: reservation.reservationNo,
  customer_name: reservation.customerName,
  customer_id: reservation.customerId,
  item_no: reservation.itemNo,
  item_name: reservation.itemName,
  item_price: reservation.itemPrice,
  rental_status: reservation.rentalStatus,
  payment_status: reservation.paymentStatus,
});

/**
 * The repository over a transaction (or the store, for reads). The counter row is updated before
 * it is read, so the row lock serializes concurrent creates on PostgreSQL and MariaDB, and a
 * rollback gives the number back.
 */
export function reservationRepository(trx: Kysely<any>): ReservationRepository {
  const db = trx as Kysely<ReservationDatabase>;
  const changedMeanwhile = (reservationNo: number) =>
    new AppError('conflict', `reservation ${reservationNo} was changed by another request meanwhile; try again`);
  return {
    async nextReservationNo() {
      return nextNumber(trx, 'reservation');
    },
    async find(reservationNo): Promise<StoredReservation | undefined> {
      const { rows } = await runCompiledOnce<ReservationsTable>(db, 'read a reservation', [reservationNo], () =>
        db.selectFrom('reservations').select([...columns, 'version']).where('reservation_no', '=', reservationNo),
      );
      const row = rows[0];
      return row && { reservation: toReservation(row), version: Number(row.version) };
    },
    async add(reservation) {
      await insertRow(db, 'reservations', { ...toRow(reservation), version: 1 });
    },
    async update(reservation, version) {
      const row = { ...toRow(reservation), version: version + 1 };
      const { numAffectedRows } = await runCompiledOnce(db, 'update a reservation at its version', [...Object.values(row), reservation.reservationNo, version], () =>
        db.updateTable('reservations').set(row).where('reservation_no', '=', reservation.reservationNo).where('version', '=', version),
      );
      if (numAffectedRows === 0n) throw changedMeanwhile(reservation.reservationNo);
    },
    async remove(reservationNo, version) {
      const { numDeletedRows } = await db
        .deleteFrom('reservations')
        .where('reservation_no', '=', reservationNo)
        .where('version', '=', version)
        .executeTakeFirst();
      if (numDeletedRows === 0n) throw changedMeanwhile(reservationNo);
    },
  };
}

/** The read side: one page of reservations in reservationNo order, with the total for X-Total-Count. */
export async function listReservations(
  db: Kysely<any>,
  query: { page: number; size: number; reservationNo?: number | undefined },
): Promise<{ reservations: Reservation[]; total: number }> {
  let selection = (db as Kysely<ReservationDatabase>).selectFrom('reservations');
  if (query.reservationNo !== undefined) selection = selection.where('reservation_no', '=', query.reservationNo);
  const { total } = await selection.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  const rows = await selection
    .select(columns)
    .orderBy('reservation_no')
    .limit(query.size)
    .offset(query.page * query.size)
    .execute();
  return { reservations: rows.map(toReservation), total: Number(total) };
}
