/**
 * node:sqlite's DatabaseSync, shaped as the better-sqlite3 subset that Kysely's own SqliteDialect
 * drives (kysely's `SqliteDatabase` / `SqliteStatement`).
 *
 * Why hand-written: no dialect for node:sqlite is maintained on npm, native modules such as
 * better-sqlite3 cannot be built on these machines, and the difference between the two APIs is
 * this small adapter. Kysely's official SqliteDialect (compiler, introspector, driver) is reused as is.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
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

/**
 * Prepared statements are kept by their SQL text: Kysely prepares every query it runs, and
 * compiling the same few statements again on each request was a tenth of a service's CPU.
 * Kysely's parameters are always bound, so the texts repeat; the cap bounds what an unusual
 * workload of ever-new texts could hold.
 */
const statementCacheSize = 500;

export function nodeSqliteDatabase(database: DatabaseSync): SqliteDatabase {
  const statements = new Map<string, { statement: StatementSync; reader: boolean }>();
  const prepared = (sql: string) => {
    let entry = statements.get(sql);
    if (entry) return entry;
    const statement = database.prepare(sql);
    // A statement that yields columns (a select, or a write with `returning`) is read with all().
    entry = { statement, reader: statement.columns().length > 0 };
    if (statements.size >= statementCacheSize) statements.delete(statements.keys().next().value as string);
    statements.set(sql, entry);
    return entry;
  };
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare(sql: string): SqliteStatement {
      const { statement, reader } = prepared(sql);
      return {
        reader,
        all: (parameters) => statement.all(...bind(parameters)),
        run: (parameters) => statement.run(...bind(parameters)),
        iterate: (parameters) => statement.iterate(...bind(parameters)),
      };
    },
  };
}
