import { MysqlAdapter, PostgresAdapter, SqliteAdapter } from 'kysely';
import type { Kysely } from 'kysely';

export type SqlDialect = 'sqlite' | 'postgres' | 'mysql';

/** Which engine a Kysely instance (or a transaction of it) talks to, for the few statements that differ. */
export function dialectOf(db: Kysely<any>): SqlDialect {
  const { adapter } = db.getExecutor();
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  throw new Error(`unsupported dialect adapter ${adapter.constructor.name}`);
}
