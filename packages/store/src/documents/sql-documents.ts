import { sql } from 'kysely';
import type { Kysely, RawBuilder, SqlBool } from 'kysely';
import type { Migration } from 'kysely/migration';
import { isAppError, systemClock } from '@eventide/core';
import type { Clock } from '@eventide/core';
import { isContentionAbort } from '../classify-error.ts';
import { dialectOf } from '../dialect-of.ts';
import type { SqlDialect } from '../dialect-of.ts';
import { runCompiledOnce } from '../compiled-once.ts';
import { clusterByPrimaryKey } from '../sqlite/cluster-by-primary-key.ts';
import { insertIgnore } from '../insert-ignore.ts';
import type { Store } from '../store.ts';
import { pageBounds, whereEntries } from './port.ts';
import type { DocumentBody, DocumentCollection, Documents, DocumentSession, ListQuery, Page } from './port.ts';

/**
 * The SQL adapter of the Documents port, for embedded mode: every collection in one table,
 * `read_documents (position, collection, id, body)`, rather than a table per collection. Views are
 * schemaless JSON, so a new view needs no migration; it mirrors the Redis adapter (one key space per
 * collection); and a service has a handful of small views, well served by the (collection, id) key.
 * `position` keeps creation order for listing, as Redis does with a counter.
 *
 * applyOnce's dedupe marker is `read_documents_applied (consumer, event_id)`, written in the same
 * transaction as the changes. It is this adapter's own table, like the Redis adapter's marker set,
 * because the store package sits below the outbox (whose inbox serves handleOnce).
 *
 * Ids compare and sort bytewise on every engine (collation "C" / utf8mb4_bin / SQLite's BINARY),
 * as in Redis. `where` compares the JSON text of a top-level field with the value's JSON, which
 * scans the collection's rows: fine for views of thousands of documents, not millions.
 */
export const documentsTable = 'read_documents';
export const documentsAppliedTable = 'read_documents_applied';
export const documentsMigrationTable = 'read_documents_migrations';

export interface SqlDocumentsOptions {
  /** Time of the dedupe markers (default the system clock). */
  readonly clock?: Clock;
}

/** Creates the documents tables in `store` (if not there yet) and returns the adapter. */
export async function openSqlDocuments(store: Store, options: SqlDocumentsOptions = {}): Promise<Documents> {
  await store.migrate(documentMigrations(store.dialect), documentsMigrationTable);
  const clock = options.clock ?? systemClock;
  const applyEachOnce: Documents['applyEachOnce'] = async (consumer, changes) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await store.transaction(async (trx) => {
          const session: DocumentSession = { collection: <T extends DocumentBody>(name: string) => new SqlCollection<T>(undefined, trx, name) };
          const outcomes: Array<'applied' | 'duplicate'> = [];
          for (const { eventId, mutate } of changes) {
            const marker = { consumer, event_id: eventId, applied_at: clock.now().getTime() };
            const fresh = await insertIgnore(trx, documentsAppliedTable, marker, ['consumer', 'event_id']);
            if (fresh) await mutate(session);
            outcomes.push(fresh ? 'applied' : 'duplicate');
          }
          return outcomes;
        });
      } catch (error) {
        // On MariaDB the same race is a deadlock between two gap locks on the absent row.
        if (!(error instanceof CreatedMeanwhile || isContentionAbort(error)) || attempt >= maxCreateAttempts) throw error;
      }
    }
  };
  return {
    kind: 'sql',
    collection: <T extends DocumentBody>(name: string) => new SqlCollection<T>(store, store.db, name),
    applyOnce: async (consumer, eventId, mutate) => (await applyEachOnce(consumer, [{ eventId, mutate }]))[0]!,
    applyEachOnce,
    clear: (consumer, collections) =>
      store.transaction(async (trx) => {
        await trx.deleteFrom(documentsAppliedTable).where('consumer', '=', consumer).execute();
        if (collections.length > 0) await trx.deleteFrom(documentsTable).where('collection', 'in', [...collections]).execute();
      }),
    ping: () => store.ping(),
    close: async () => {},
  };
}

/**
 * A projection read a document as absent and another transaction created it before this one could:
 * a lock on a row that does not exist holds nothing (PostgreSQL), so both would write it and one
 * update would be lost. The insert fails instead, and applyOnce runs the projection again, which
 * now reads the document, as the Redis adapter does when a read document changed.
 */
class CreatedMeanwhile extends Error {}
const maxCreateAttempts = 50;

function documentMigrations(dialect: SqlDialect): Record<string, Migration> {
  const types = columnTypes[dialect];
  return {
    '001_read_documents': {
      up: async (db) => {
        await db.schema
          .createTable(documentsTable)
          .addColumn('position', types.position, (c) => (dialect === 'mysql' ? c.autoIncrement().primaryKey() : dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('collection', types.key, (c) => c.notNull())
          .addColumn('id', types.key, (c) => c.notNull())
          .addColumn('body', types.body, (c) => c.notNull())
          .addUniqueConstraint(`${documentsTable}_collection_id`, ['collection', 'id'])
          .execute();
        await db.schema
          .createTable(documentsAppliedTable)
          .addColumn('consumer', types.key, (c) => c.notNull())
          .addColumn('event_id', types.key, (c) => c.notNull())
          .addColumn('applied_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${documentsAppliedTable}_pk`, ['consumer', 'event_id'])
          .execute();
      },
    },
    // Every applied event inserts a mark: on SQLite one page instead of two (see clusterByPrimaryKey).
    '002_applied_clustered': {
      up: async (db) => {
        if (dialect === 'sqlite') await clusterByPrimaryKey(db, documentsAppliedTable);
      },
    },
    // Databases made while the column was jsonb, which orders a document's keys its own way (by
    // length): the views' APIs answered in another field order on PostgreSQL than on every other
    // store. json keeps the text as written (on a table 001 made json, still empty then, nothing changes).
    '003_postgres_body_as_written': {
      up: async (db) => {
        if (dialect === 'postgres') await sql`alter table ${sql.table(documentsTable)} alter column body type json using body::json`.execute(db);
      },
    },
  };
}

const columnTypes = {
  sqlite: { position: 'integer', key: 'varchar(191)', body: 'text' },
  postgres: { position: 'bigserial', key: sql`varchar(191) collate "C"`, body: 'json' },
  mysql: { position: 'bigint', key: sql`varchar(191) character set utf8mb4 collate utf8mb4_bin`, body: sql`longtext character set utf8mb4 collate utf8mb4_bin` },
} as const;

/** PostgreSQL hands json back parsed; SQLite and MariaDB hand back the text. */
function decode<T>(body: unknown): T {
  return (typeof body === 'string' ? JSON.parse(body) : body) as T;
}

/** The JSON text of top-level `field` equals the JSON of `value`. */
function fieldEquals(dialect: SqlDialect, field: string, value: unknown): RawBuilder<SqlBool> {
  const json = JSON.stringify(value);
  switch (dialect) {
    case 'sqlite':
      return sql<SqlBool>`body -> ${`$.${field}`} = ${json}`;
    case 'postgres':
      // json has no equality: the field is compared as jsonb (the column is json, see 003).
      return sql<SqlBool>`(body -> ${field}::text)::jsonb = ${json}::jsonb`;
    case 'mysql':
      // MariaDB compares JSON_EXTRACT's result loosely (unquoted, by collation): compare the bytes.
      return sql<SqlBool>`cast(json_extract(body, ${`$.${field}`}) as binary) = cast(${json} as binary)`;
  }
}

class SqlCollection<T extends DocumentBody> implements DocumentCollection<T> {
  readonly name: string;
  /** Set outside a transaction: patch then opens one. Unset inside applyOnce, whose transaction it joins. */
  readonly #store: Store | undefined;
  readonly #db: Kysely<any>;
  readonly #dialect: SqlDialect;
  /** Inside applyOnce: ids this projection read as absent, so its upsert must create them, not overwrite. */
  readonly #readAbsent = new Set<string>();

  constructor(store: Store | undefined, db: Kysely<any>, name: string) {
    this.#store = store;
    this.#db = db;
    this.name = name;
    this.#dialect = dialectOf(db);
  }

  async get(id: string): Promise<T | undefined> {
    const inSession = this.#store === undefined;
    const body = await this.#read(this.#db, id, inSession);
    if (inSession && body === undefined) this.#readAbsent.add(id);
    return body;
  }

  async upsert(id: string, body: T): Promise<void> {
    const json = JSON.stringify(body);
    if (this.#readAbsent.has(id)) {
      try {
        await runCompiledOnce(this.#db, 'insert a document', [this.name, id, json], () =>
          this.#db.insertInto(documentsTable).values({ collection: this.name, id, body: json }),
        );
      } catch (error) {
        throw isAppError(error) && error.code === 'conflict' ? new CreatedMeanwhile(`${this.name}/${id} was created meanwhile`, { cause: error }) : error;
      }
      this.#readAbsent.delete(id);
      return;
    }
    const insert = () => this.#db.insertInto(documentsTable).values({ collection: this.name, id, body: json });
    if (this.#dialect === 'mysql') {
      await runCompiledOnce(this.#db, 'upsert a document', [this.name, id, json, json], () => insert().onDuplicateKeyUpdate({ body: json }));
      return;
    }
    await runCompiledOnce(this.#db, 'upsert a document', [this.name, id, json], () =>
      insert().onConflict((conflict) => conflict.columns(['collection', 'id']).doUpdateSet({ body: sql.ref('excluded.body') })),
    );
  }

  patch(id: string, changes: Partial<T>): Promise<T | undefined> {
    const work = async (db: Kysely<any>): Promise<T | undefined> => {
      const current = await this.#read(db, id, true);
      if (current === undefined) return undefined;
      const patched = { ...current, ...changes };
      await db
        .updateTable(documentsTable)
        .set({ body: JSON.stringify(patched) })
        .where('collection', '=', this.name)
        .where('id', '=', id)
        .execute();
      return patched;
    };
    return this.#store ? this.#store.transaction(work) : work(this.#db);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom(documentsTable).where('collection', '=', this.name).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async list(query?: ListQuery<T>): Promise<Page<T>> {
    const { offset, size } = pageBounds(query);
    const matching = whereEntries(query?.where).reduce(
      (select, [field, value]) => select.where(fieldEquals(this.#dialect, field, value)),
      this.#db.selectFrom(documentsTable).where('collection', '=', this.name),
    );
    const [rows, count] = await Promise.all([
      matching.select('body').orderBy('position').limit(size).offset(offset).execute(),
      matching.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map((row) => decode<T>(row.body)), total: Number(count.total) };
  }

  /** `lock`: inside a transaction, hold the row until commit so concurrent read-modify-writes queue (SQLite's transactions already do). */
  async #read(db: Kysely<any>, id: string, lock: boolean): Promise<T | undefined> {
    const select = () => db.selectFrom(documentsTable).select('body').where('collection', '=', this.name).where('id', '=', id);
    const forUpdate = lock && this.#dialect !== 'sqlite';
    const { rows } = await runCompiledOnce(db, forUpdate ? 'read a document for update' : 'read a document', [this.name, id], () =>
      forUpdate ? select().forUpdate() : select(),
    );
    return rows[0] === undefined ? undefined : decode<T>(rows[0].body);
  }
}

