import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig } from 'kysely';
import { nodeSqliteDatabase } from './node-sqlite-database.ts';

/**
 * Kysely's SqliteDialect over node:sqlite, tuned for several OS processes sharing one file
 * (two replicas of a service in embedded mode):
 * - WAL, so readers never block the writer and a reader never sees a half-written transaction;
 * - synchronous=NORMAL: in WAL mode a commit survives the process being killed (only an OS crash
 *   or power loss can lose the last commits), at a fraction of FULL's fsync cost;
 * - busy_timeout, so a process waits for another's write lock instead of failing at once;
 * - every transaction is BEGIN IMMEDIATE: it takes the write lock up front. A deferred transaction
 *   that reads and then writes fails with SQLITE_BUSY (without waiting) when another process
 *   committed in between; taking the lock first makes transactions queue behind busy_timeout.
 */

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite runs DDL inside transactions; saying so makes Kysely's Migrator run each migration run
 * in one (immediate) transaction, which is what serializes two processes migrating at once:
 * Kysely's SqliteAdapter takes no migration lock, as it assumes a single process.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class NodeSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export const memoryPath = ':memory:';

/** Opens (creating it and its directory if missing) the database file at `path`, or an in-memory one. */
export function sqliteDialect(path: string, busyTimeoutMs: number): SqliteDialect {
  if (path !== memoryPath) mkdirSync(dirname(path), { recursive: true });
  const database = new DatabaseSync(path, { timeout: busyTimeoutMs, enableForeignKeyConstraints: true });
  const journalMode = database.prepare('pragma journal_mode = wal').get()?.journal_mode;
  if (path !== memoryPath && journalMode !== 'wal') {
    database.close();
    throw new Error(`sqlite: ${path} cannot use WAL (journal mode stays ${String(journalMode)}); put it on a local file system`);
  }
  database.exec('pragma synchronous = normal');
  return new NodeSqliteDialect({ database: nodeSqliteDatabase(database) });
}
