import type { Kysely } from 'kysely';
import { AppError } from '@eventide/core';
import { runCompiledOnce } from './compiled-once.ts';
import { insertRow } from './insert-ignore.ts';

/** A row as read, with the version it was read at. */
export interface Versioned<Row> {
  readonly row: Row;
  readonly version: number;
}

/**
 * The rows of one aggregate type, each with a `version` column for optimistic locking: a use case
 * reads a row with its version and writes back over that version only. Of two transactions that
 * read the same version, the second to write (update or remove) changes nothing and fails with
 * AppError 'conflict' (a 409: the client reads again and retries), on every engine and isolation
 * level, without holding a lock between the read and the write.
 */
export interface VersionedTable<Row, Key extends keyof Row> {
  find(key: Row[Key]): Promise<Versioned<Row> | undefined>;
  /** Inserts a new row at version 1. */
  add(row: Row): Promise<void>;
  /** Stores `row` over the one read at `version` and moves it to `version + 1`. */
  update(row: Row, version: number): Promise<void>;
  remove(key: Row[Key], version: number): Promise<void>;
}

export interface VersionedTableSpec<Row, Key extends keyof Row> {
  readonly table: string;
  /** The primary key column. */
  readonly key: Key & string;
  /** Every column of `Row` (the key included), in the order rows are read. */
  readonly columns: readonly (keyof Row & string)[];
  /** The aggregate's name in a conflict's message: "item 7 was changed by another request meanwhile". */
  readonly noun: string;
}

/**
 * `spec.table` over `db` (a transaction, or the store for a single statement). The per-command
 * statements are compiled once per engine and column list (runCompiledOnce).
 */
export function versionedTable<Row extends object, Key extends keyof Row>(db: Kysely<any>, spec: VersionedTableSpec<Row, Key>): VersionedTable<Row, Key> {
  const { table, key, columns, noun } = spec;
  // The table is known only at run time: to Kysely its columns are plain names.
  const column: string = key;
  const changedMeanwhile = (value: Row[Key]) => new AppError('conflict', `${noun} ${String(value)} was changed by another request meanwhile; try again`);
  return {
    async find(value) {
      const { rows } = await runCompiledOnce<Row & { version: number }>(db, `read ${columns.join(', ')}, version of ${table} at ${key}`, [value], () =>
        db.selectFrom(table).select([...columns, 'version']).where(column, '=', value),
      );
      const found = rows[0];
      if (found === undefined) return undefined;
      const { version, ...row } = found;
      return { row: row as Row, version: Number(version) };
    },
    async add(row) {
      await insertRow(db, table, { ...row, version: 1 });
    },
    async update(row, version) {
      const values = { ...row, version: version + 1 };
      const value = row[key];
      const { numAffectedRows } = await runCompiledOnce(db, `update ${table} set ${Object.keys(values).join(', ')} at ${key} and version`, [...Object.values(values), value, version], () =>
        db.updateTable(table).set(values).where(column, '=', value).where('version', '=', version),
      );
      if (numAffectedRows === 0n) throw changedMeanwhile(value);
    },
    async remove(value, version) {
      const { numAffectedRows } = await runCompiledOnce(db, `delete from ${table} at ${key} and version`, [value, version], () =>
        db.deleteFrom(table).where(column, '=', value).where('version', '=', version),
      );
      if (numAffectedRows === 0n) throw changedMeanwhile(value);
    },
  };
}
