import { nextNumber, type Migration } from '@eventide/store';
import type { Kysely } from 'kysely';
import type { Payment } from '../domain/payment.ts';
import type { PaymentRepository } from '../application/payments.ts';

interface PaymentsTable {
  payment_no: number;
  reservation_no: number;
  item_no: number;
  item_price: number;
}


interface PaymentDatabase {
  payments: PaymentsTable;
}

/**
 * The same statements on SQLite, PostgreSQL and MariaDB. A stored payment is Paid (a cancelled one
 * is deleted), so the status is not a column. One payment per reservation is a unique index, so two
 * concurrent approvals cannot both insert.
 */
export const paymentMigrations: Record<string, Migration> = {
  '001_payments': {
    async up(db) {
      await db.schema
        .createTable('payments')
        .addColumn('payment_no', 'integer', (c) => c.primaryKey())
        .addColumn('reservation_no', 'integer', (c) => c.notNull().unique())
        .addColumn('item_no', 'integer', (c) => c.notNull())
        .addColumn('item_price', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

const columns = ['payment_no', 'reservation_no', 'item_no', 'item_price'] as const;

const toPayment = (row: PaymentsTable): Payment => ({
  paymentNo: Number(row.payment_no),
  reservationNo: Number(row.reservation_no),
  itemNo: Number(row.item_no),
  itemPrice: Number(row.item_price),
  paymentStatus: 'Paid',
});

/**
 * The repository over one transaction. The counter row is updated before it is read, so the row
 * lock serializes concurrent creates on PostgreSQL and MariaDB, and a rollback gives the number back.
 */
export function paymentRepository(trx: Kysely<any>): PaymentRepository {
  const db = trx as Kysely<PaymentDatabase>;
  const findWhere = async (column: 'payment_no' | 'reservation_no', value: number) => {
    const row = await db.selectFrom('payments').select(columns).where(column, '=', value).executeTakeFirst();
    return row && toPayment(row);
  };
  return {
    async nextPaymentNo() {
      return nextNumber(trx, 'payment');
    },
    find: (paymentNo) => findWhere('payment_no', paymentNo),
    findByReservationNo: (reservationNo) => findWhere('reservation_no', reservationNo),
    async add(payment) {
      const { paymentNo, reservationNo, itemNo, itemPrice } = payment;
      await db.insertInto('payments').values({ payment_no: paymentNo, reservation_no: reservationNo, item_no: itemNo, item_price: itemPrice }).execute();
    },
    async remove(paymentNo) {
      const { numDeletedRows } = await db.deleteFrom('payments').where('payment_no', '=', paymentNo).executeTakeFirst();
      return numDeletedRows > 0n;
    },
  };
}

/** The read side: one page of payments in paymentNo order, with the total for X-Total-Count. */
export async function listPayments(
  db: Kysely<any>,
  query: { page: number; size: number; paymentNo?: number | undefined; reservationNo?: number | undefined },
): Promise<{ payments: Payment[]; total: number }> {
  let selection = (db as Kysely<PaymentDatabase>).selectFrom('payments');
  if (query.paymentNo !== undefined) selection = selection.where('payment_no', '=', query.paymentNo);
  if (query.reservationNo !== undefined) selection = selection.where('reservation_no', '=', query.reservationNo);
  const { total } = await selection.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  const rows = await selection
    .select(columns)
    .orderBy('payment_no')
    .limit(query.size)
    .offset(query.page * query.size)
    .execute();
  return { payments: rows.map(toPayment), total: Number(total) };
}
