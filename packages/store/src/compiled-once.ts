import { CompiledQuery } from 'kysely';
import type { Compilable, DatabaseConnection, Kysely, QueryResult } from 'kysely';
import { dialectOf } from './dialect-of.ts';

const texts = new Map<string, string>();

/** Each open transaction's connection, once asked for (a transaction holds one for its life). */
const connections = new WeakMap<Kysely<any>, DatabaseConnection>();

/**
 * Runs `query` as `db.executeQuery` would; in a transaction, straight on the transaction's
 * connection. Why: Kysely's executor wraps each statement in five async layers (the connection
 * provider, its queue, the plugins' pass), 4 KB and 2 µs of the 6 KB and 4 µs a statement cost
 * on SQLite, and a sale runs about ten in its transaction. What the layers do is not needed
 * there: the transaction already holds its connection, the drivers queue statements on a
 * connection themselves, and a Kysely with plugins keeps the executor. The connection is the
 * classifying one (classifying-dialect.ts), so errors are classified the same. Use the
 * transaction only while it is open, as with any Kysely transaction: after its commit this would
 * not refuse, it would run on a connection back in the pool.
 */
export async function executeCompiled<R>(db: Kysely<any>, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  const known = connections.get(db);
  if (known !== undefined) return known.executeQuery<R>(query);
  if (!db.isTransaction || db.getExecutor().plugins.length > 0) return db.executeQuery(query);
  const connection = await db.getExecutor().provideConnection(async (held) => held);
  connections.set(db, connection);
  return connection.executeQuery<R>(query);
}

/**
 * Runs the query `build` makes, building and compiling it only on the first run per engine and
 * `shape`; later runs send the SQL text kept from it with their own `parameters`. Meant for the
 * platform's per-message statements (outbox, inbox, counters), where Kysely's building and
 * compiling cost more CPU than SQLite took to run them.
 *
 * `shape` names everything the text depends on besides the engine (table, columns, row count), and
 * `parameters` are the values the query binds, in its order. The first run checks them against
 * what Kysely compiled, so a query whose parameters are not the ones given fails there, in tests,
 * and never binds the wrong values; an undefined parameter fails every run (Kysely would have left
 * its column out, so the kept text does not fit it).
 */
export async function runCompiledOnce<R>(
  db: Kysely<any>,
  shape: string,
  parameters: readonly unknown[],
  build: () => Compilable<R>,
): Promise<QueryResult<R>> {
  // Kysely leaves an undefined value's column out, so such a row has another text than the one kept.
  if (parameters.includes(undefined)) throw new Error(`query ${shape}: a parameter is undefined (use null)`);
  const key = `${dialectOf(db)} ${shape}`;
  const text = texts.get(key);
  if (text !== undefined) return executeCompiled(db, CompiledQuery.raw(text, [...parameters]) as CompiledQuery<R>);
  const compiled = build().compile();
  if (compiled.parameters.length !== parameters.length || compiled.parameters.some((value, i) => !Object.is(value, parameters[i]))) {
    throw new Error(`query ${shape}: the parameters given are not the ones it binds`);
  }
  texts.set(key, compiled.sql);
  return executeCompiled(db, compiled);
}
