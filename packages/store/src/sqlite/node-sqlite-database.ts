/**
 * node:sqlite's DatabaseSync, shaped as the better-sqlite3 subset that Kysely's own SqliteDialect
 * drives (kysely's `SqliteDatabase` / `SqliteStatement`).
 *
 * Why hand-written: no dialect for node:sqlite is maintained on npm, native modules such as
 * better-sqlite3 cannot be built on these machines, and the difference between the two APIs is
 * this small adapter. Kysely's official SqliteDialect (compiler, introspector, driver) is reused as is.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * node:sqlite binds a Date as NULL without complaint; better-sqlite3 throws. Neither is what a
 * caller meant, so a Date is stored as its ISO-8601 text (which also sorts correctly). Booleans
 * are bound as 1/0 by node:sqlite itself.
 */
function bindable(value: unknown): SQLInputValue {
  return value instanceof Date ? value.toISOString() : (value as SQLInputValue);
}

const bind = (parameters: readonly unknown[]): SQLInputValue[] => parameters.map(bindable);

export function nodeSqliteDatabase(database: DatabaseSync): SqliteDatabase {
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const statement = database.prepare(sql);
      return {
        // A statement that yields columns (a select, or a write with `returning`) is read with all().
        reader: statement.columns().length > 0,
        all: (parameters) => statement.all(...bind(parameters)),
        run: (parameters) => statement.run(...bind(parameters)),
        iterate: (parameters) => statement.iterate(...bind(parameters)),
      };
    },
  };
}
