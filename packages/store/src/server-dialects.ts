import { MysqlDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createPool } from 'mysql2';
import type { Logger } from './logger.ts';

/**
 * Postgres returns int8 (counts, bigint columns) as strings by default; SQLite and MariaDB return
 * numbers. Parsed to number here, for this pool only, so portable code reads the same type from
 * every engine. Values beyond 2^53 are refused rather than rounded.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 ${text} does not fit a JavaScript number`);
  return value;
}

const int8Oid = 20;
const postgresTypes = {
  getTypeParser: (oid: number, format?: string) =>
    oid === int8Oid && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text'),
};

/** `connectTimeoutMs` bounds the wait for a pooled client and a new connection's handshake (StoreOptions). */
export function postgresDialect(url: string, poolSize: number, connectTimeoutMs: number, logger?: Logger): PostgresDialect {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: connectTimeoutMs, types: postgresTypes as pg.CustomTypesConfig });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', (error) => logger?.warn({ err: error }, 'postgres: idle connection lost'));
  return new PostgresDialect({ pool });
}

/** `connectTimeoutMs` bounds a new connection's handshake (StoreOptions). */
export function mysqlDialect(url: string, poolSize: number, connectTimeoutMs: number): MysqlDialect {
  const pool = createPool({
    uri: url.replace(/^mariadb:/, 'mysql:'),
    connectionLimit: poolSize,
    connectTimeout: connectTimeoutMs,
    // Dates in UTC, whatever the server's or the host's zone.
    timezone: 'Z',
    charset: 'utf8mb4',
  });
  return new MysqlDialect({ pool });
}
