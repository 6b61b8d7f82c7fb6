import { CompiledQuery } from 'kysely';
import type { Compilable, Kysely, QueryResult } from 'kysely';
import { dialectOf } from './dialect-of.ts';

const texts = new Map<string, string>();

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
  if (text !== undefined) return db.executeQuery<R>(CompiledQuery.raw(text, [...parameters]));
  const compiled = build().compile();
  if (compiled.parameters.length !== parameters.length || compiled.parameters.some((value, i) => !Object.is(value, parameters[i]))) {
    throw new Error(`query ${shape}: the parameters given are not the ones it binds`);
  }
  texts.set(key, compiled.sql);
  return db.executeQuery(compiled);
}
