import { sql } from 'kysely';
import type { Kysely } from 'kysely';

/**
 * SQLite: rebuilds `table` WITHOUT ROWID, keeping its rows, so that its primary key is its only
 * b-tree and an insert writes one page rather than two (the rowid table and the key's index).
 * Measured on a dedupe table keyed by (consumer, random message id), one insert per transaction:
 * a third less CPU and less WAL per insert. For tables whose rows are only found by their key; run
 * inside a migration, so the rebuild is one transaction. A table already without rowid is left as is.
 */
export async function clusterByPrimaryKey(db: Kysely<any>, table: string): Promise<void> {
  const { rows } = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  const create = rows[0]?.sql;
  if (create === undefined) throw new Error(`no table ${table} to cluster`);
  if (/without\s+rowid\s*$/i.test(create)) return;
  const quotedName = `"${table}"`;
  if (!create.includes(quotedName)) throw new Error(`${table}: its CREATE TABLE does not quote its name (${create})`);
  const rebuilt = `${table}_clustered`;
  await sql.raw(`${create.replace(quotedName, `"${rebuilt}"`)} without rowid`).execute(db);
  await sql`insert into ${sql.table(rebuilt)} select * from ${sql.table(table)}`.execute(db);
  await sql`drop table ${sql.table(table)}`.execute(db);
  await sql`alter table ${sql.table(rebuilt)} rename to ${sql.table(table)}`.execute(db);
}
