import { resolve } from 'node:path';
import { Kysely, sql } from 'kysely';
import type { Dialect, Transaction } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { Migration } from 'kysely/migration';
import { isAppError } from '@eventide/core';
import { classifyingDialect } from './classifying-dialect.ts';
import type { SqlDialect } from './dialect-of.ts';
import type { Logger } from './logger.ts';
import { groupCommit } from './sqlite/group-commit.ts';
import { memoryPath, sqliteDialect } from './sqlite/sqlite-dialect.ts';

export type { Migration } from 'kysely/migration';

/**
 * One relational database, reached through Kysely, whichever engine the URL names. Errors from any
 * query are already classified (see classifyError): unique violations are AppError('conflict'),
 * an unreachable or busy database is AppError('unavailable').
 */
export interface Store<DB = any> {
  readonly dialect: SqlDialect;
  readonly db: Kysely<DB>;
  /**
   * Runs `fn` in a transaction: commits when it resolves, rolls back and rethrows when it rejects.
   * On SQLite the process has one connection: inside `fn` use `trx`, never `db`, or it waits forever.
   */
  transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
  /**
   * Applies the pending `migrations` (applied in name order) and records them in `table`. A service's
   * migrations and each platform part use their own table, so their names never clash. Safe when
   * several processes migrate the same database at once: one applies, the others find them applied.
   */
  migrate(migrations: Readonly<Record<string, Migration>>, table?: string): Promise<void>;
  /** Rejects with AppError('unavailable') when the database does not answer. */
  ping(): Promise<void>;
  /** Closes the connections. Idempotent. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Connections per pool for PostgreSQL and MariaDB (default 10). SQLite has one connection per process. */
  readonly poolSize?: number;
  /** How long SQLite waits for another process's write lock before failing as unavailable (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /**
   * How long a connection may take to come before the query fails as unavailable (default 5000
   * ms): on PostgreSQL a free one from the pool or a new one with its handshake, on MariaDB a new
   * one's handshake (mysql2's pool does not bound the wait for a free one). Without it a server
   * that is there but hung held every request for as long as it hung.
   */
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

export const serviceMigrationTable = 'service_migrations';

/**
 * Opens a store from a URL: `sqlite:<path>` (the file and its directory are created when missing),
 * `sqlite::memory:`, `postgres://...` (or `postgresql://`), `mysql://...` or `mariadb://...`.
 * PostgreSQL and MariaDB connect lazily: an unreachable server shows in ping() and in the first
 * query, not here, so a service can start and report not-ready until its database answers.
 */
export async function openStore<DB = any>(url: string, options: StoreOptions = {}): Promise<Store<DB>> {
  const { db, kind, release, transaction } = await connect(url, options);
  let closing: Promise<void> | undefined;
  return {
    dialect: kind,
    db,
    transaction: transaction as Store<DB>['transaction'],
    migrate: (migrations, table = serviceMigrationTable) => migrate(db, migrations, table),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => (closing ??= release()),
  };
}

interface Connection {
  readonly db: Kysely<any>;
  readonly kind: SqlDialect;
  readonly transaction: <T>(work: (trx: Transaction<any>) => Promise<T>) => Promise<T>;
  release(): Promise<void>;
}

/**
 * One SQLite connection per file per process, shared by every Store opened on that file. SQLite
 * waits for another connection's write lock synchronously (busy_timeout), so two connections in
 * one thread would block the very event loop that has to finish the other's transaction: a stall
 * of busy_timeout, then a failure. Sharing the connection lets Kysely queue them instead.
 * The first opener's options win; the connection closes with the last Store.
 */
const sqliteConnections = new Map<string, { connection: Connection; stores: number }>();

async function connect(url: string, options: StoreOptions): Promise<Connection> {
  const { poolSize = 10, busyTimeoutMs = 5_000, connectTimeoutMs = 5_000, logger } = options;
  const scheme = url.slice(0, url.indexOf(':'));
  const own = (dialect: Dialect, kind: SqlDialect): Connection => {
    const db = new Kysely<any>({ dialect: classifyingDialect(dialect) });
    const transaction = kind === 'sqlite' ? groupCommit(db) : <T>(work: (trx: Transaction<any>) => Promise<T>) => db.transaction().execute(work);
    return { db, kind, transaction, release: () => db.destroy() };
  };
  switch (scheme) {
    case 'sqlite': {
      const path = url.slice('sqlite:'.length);
      if (path === memoryPath) return own(sqliteDialect(path, busyTimeoutMs), 'sqlite');
      const file = resolve(path);
      let shared = sqliteConnections.get(file);
      if (!shared) {
        shared = { connection: own(sqliteDialect(file, busyTimeoutMs), 'sqlite'), stores: 0 };
        sqliteConnections.set(file, shared);
      }
      shared.stores += 1;
      const entry = shared;
      return {
        ...entry.connection,
        release: async () => {
          entry.stores -= 1;
          if (entry.stores > 0) return;
          sqliteConnections.delete(file);
          await entry.connection.release();
        },
      };
    }
    // Server drivers load only when used: an embedded service never pays for pg and mysql2.
    case 'postgres':
    case 'postgresql': {
      const { postgresDialect } = await import('./server-dialects.ts');
      return own(postgresDialect(url, poolSize, connectTimeoutMs, logger), 'postgres');
    }
    case 'mysql':
    case 'mariadb': {
      const { mysqlDialect } = await import('./server-dialects.ts');
      return own(mysqlDialect(url, poolSize, connectTimeoutMs), 'mysql');
    }
    default:
      throw new Error(`unsupported store URL scheme "${scheme}:" (sqlite:, postgres://, mysql://, mariadb://)`);
  }
}

async function migrate(db: Kysely<any>, migrations: Readonly<Record<string, Migration>>, table: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableName: table,
    migrationLockTableName: `${table}_lock`,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error === undefined) return;
  if (isAppError(error)) throw error;
  const failed = results.find((result) => result.status === 'Error')?.migrationName;
  throw new Error(failed ? `migration ${failed} (${table}) failed` : `migrating ${table} failed`, { cause: error });
}
