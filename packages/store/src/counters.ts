import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { runCompiledOnce } from './compiled-once.ts';
import { insertIgnore } from './insert-ignore.ts';

/**
 * Numbers for entities whose ids are small integers (an itemNo, a reservationNo): one counter per
 * entity, as the originals' users saw them, never reused after a delete. In
 * the caller's transaction: the counter row's lock serializes concurrent creates on PostgreSQL and
 * MariaDB (SQLite has one writer), and a rollback gives the number back.
 */
export const counterMigrations: Record<string, Migration> = {
  '001_counters': {
    up: (db) =>
      db.schema
        .createTable('counters')
        .addColumn('entity', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('last_value', 'integer', (c) => c.notNull())
        .execute(),
  },
};

export async function nextNumber(db: Kysely<any>, entity: string): Promise<number> {
  const { numAffectedRows } = await runCompiledOnce(db, 'increment counter', [entity], () =>
    db.updateTable('counters').set({ last_value: sql`last_value + 1` }).where('entity', '=', entity),
  );
  if (numAffectedRows === 0n) {
    // The entity's first number: a racing first create inserts too, and one of them wins the row.
    await insertIgnore(db, 'counters', { entity, last_value: 0 }, ['entity']);
    return nextNumber(db, entity);
  }
  const { rows } = await runCompiledOnce(db, 'read counter', [entity], () =>
    db.selectFrom('counters').select('last_value').where('entity', '=', entity),
  );
  return Number(rows[0]!.last_value);
}
