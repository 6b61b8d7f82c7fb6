import { nextNumber, versionedTable, type Migration } from '@eventide/store';
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

type ReservationRow = Omit<ReservationsTable, 'version'>;

const toReservation = (row: ReservationRow): Reservation => ({
  reservationNo: Number(row.reservation_no),
  customerName: row.customer_name,
  customerId: Number(row.customer_id),
  itemNo: Number(row.item_no),
  itemName: row.item_name,
  itemPrice: Number(row.item_price),
  rentalStatus: row.rental_status,
  paymentStatus: row.payment_status,
});

const toRow = (reservation: Reservation): ReservationRow => ({
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
  const reservations = versionedTable<ReservationRow, 'reservation_no'>(trx, { table: 'reservations', key: 'reservation_no', columns, noun: 'reservation' });
  return {
    nextReservationNo: () => nextNumber(trx, 'reservation'),
    async find(reservationNo): Promise<StoredReservation | undefined> {
      const found = await reservations.find(reservationNo);
      return found && { reservation: toReservation(found.row), version: found.version };
    },
    add: (reservation) => reservations.add(toRow(reservation)),
    update: (reservation, version) => reservations.update(toRow(reservation), version),
    remove: (reservationNo, version) => reservations.remove(reservationNo, version),
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
