import { createHash } from 'node:crypto';
import { AppError, isAppError, type Clock } from '@eventide/core';
import { insertRow, runCompiledOnce, type Migration, type Store } from '@eventide/store';
import type { FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';

/**
 * `Idempotency-Key` for commands (DESIGN.md section 5): a retried request returns the first
 * result. The command's result is stored with the key in the command's own transaction, so the
 * change, its events and the memory of having done it commit together or not at all: a crash after
 * the commit still answers the retry from the stored result, and the route builds the same response.
 */
export const idempotencyTable = 'idempotency_keys';

export const idempotencyMigrations: Record<string, Migration> = {
  '001_idempotency_keys': {
    up: (db) =>
      db.schema
        .createTable(idempotencyTable)
        .addColumn('idempotency_key', 'varchar(200)', (c) => c.notNull())
        .addColumn('scope', 'varchar(300)', (c) => c.notNull())
        .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['idempotency_key', 'scope'])
        .execute(),
  },
};

export interface IdempotentRequest {
  readonly key: string;
  /** Method and route pattern: one key may be reused on another endpoint. */
  readonly scope: string;
  /** Digest of the body and path, to refuse a key reused for a different request. */
  readonly hash: string;
}

const maxKeyLength = 200;

export function idempotentRequestOf(request: FastifyRequest): IdempotentRequest | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > maxKeyLength) {
    throw new AppError('validation', `Idempotency-Key must be 1 to ${maxKeyLength} characters`, {
      violations: [{ field: 'Idempotency-Key', rule: `must be 1 to ${maxKeyLength} characters` }],
    });
  }
  const hash = createHash('sha256')
    .update(request.url)
    .update('\0')
    .update(JSON.stringify(request.body ?? null))
    .digest('hex');
  return { key, scope: `${request.method} ${request.routeOptions.url ?? request.url}`, hash };
}

/**
 * The result stored for `request`'s key, if a request with that key committed; a key reused with a
 * different request is a 409. For a command that takes several transactions (POS's sale: an
 * attempt, a call, the record) the route checks this first and keys only the last transaction.
 */
export async function storedResult(store: Store, request: IdempotentRequest): Promise<{ readonly result: unknown } | undefined> {
  const { rows } = await runCompiledOnce<{ request_hash: string; result: string }>(store.db, 'read an idempotency key', [request.key, request.scope], () =>
    store.db.selectFrom(idempotencyTable).select(['request_hash', 'result']).where('idempotency_key', '=', request.key).where('scope', '=', request.scope),
  );
  const stored = rows[0];
  if (!stored) return undefined;
  if (stored.request_hash !== request.hash) throw new AppError('conflict', 'Idempotency-Key was already used for a different request');
  return { result: JSON.parse(String(stored.result)) };
}

/**
 * Runs `work` once per key: the first time its result is stored in the same transaction; a retry
 * gets the stored result without running it. A key reused with a different request is a 409, as is
 * a second request racing the first (the primary key refuses the second insert, and its work rolls back).
 */
export async function runIdempotent<T>(
  store: Store,
  request: IdempotentRequest,
  clock: Clock,
  transact: (remember: (trx: Transaction<any>, result: T) => Promise<T>) => Promise<T>,
): Promise<T> {
  const stored = await storedResult(store, request);
  if (stored) return stored.result as T;
  return transact(async (trx, result) => {
    const row = { idempotency_key: request.key, scope: request.scope, request_hash: request.hash, result: JSON.stringify(result ?? null), created_at: clock.now().getTime() };
    try {
      await insertRow(trx, idempotencyTable, row);
    } catch (error) {
      if (isAppError(error) && error.code === 'conflict') {
        throw new AppError('conflict', 'a request with this Idempotency-Key is being processed; send it again for its answer');
      }
      throw error;
    }
    return result;
  });
}
