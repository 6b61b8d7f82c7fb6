import type { Kysely } from 'kysely';
import { isAppError } from '@eventide/core';
import { runCompiledOnce } from './compiled-once.ts';
import { dialectOf } from './dialect-of.ts';

/**
 * Inserts `row` into `table`, built and compiled once per table and columns (runCompiledOnce): the
 * per-command and per-event inserts of the services and the platform.
 */
export async function insertRow(db: Kysely<any>, table: string, row: object): Promise<void> {
  await runCompiledOnce(db, `insert into ${table} (${Object.keys(row).join(', ')})`, Object.values(row), () => db.insertInto(table).values(row));
}

/**
 * Inserts `row` unless a row with the same `key` exists; resolves whether it inserted. Runs in
 * whatever `db` is, so inside a transaction it takes part in it (the inbox uses it that way).
 *
 * PostgreSQL and SQLite: `on conflict (key) do nothing`. MariaDB has no such clause; `insert ignore`
 * would also turn other errors (bad values, foreign keys) into warnings, and `on duplicate key
 * update` reports a no-op as one affected row under mysql2's default FOUND_ROWS flag. So there it is
 * a plain insert whose duplicate-key error (AppError 'conflict', already classified) means "exists":
 * MariaDB rolls back only the failed statement, never the surrounding transaction. On MariaDB a
 * clash on any other unique index of the table also answers false.
 */
export async function insertIgnore(
  db: Kysely<any>,
  table: string,
  row: Readonly<Record<string, unknown>>,
  key: readonly [string, ...string[]],
): Promise<boolean> {
  const shape = `insert ignore into ${table} (${Object.keys(row).join(', ')}) key (${key.join(', ')})`;
  const insert = () => db.insertInto(table).values(row);
  if (dialectOf(db) !== 'mysql') {
    const result = await runCompiledOnce(db, shape, Object.values(row), () => insert().onConflict((conflict) => conflict.columns(key).doNothing()));
    return Number(result.numAffectedRows ?? 0) > 0;
  }
  try {
    await insertRow(db, table, row);
    return true;
  } catch (error) {
    if (isAppError(error) && error.code === 'conflict') return false;
    throw error;
  }
}
