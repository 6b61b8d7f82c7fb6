import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { AppError } from '@eventide/core';
import { hungServer, needs } from '@eventide/testing';
import { dialectOf, insertIgnore, openStore } from '@eventide/store';
import type { Store } from '@eventide/store';
import { runScript, testEngines } from '@eventide/store/testing';
import type { TestDatabase } from '@eventide/store/testing';

const migrateChild = fileURLToPath(new URL('./fixtures/migrate-child.ts', import.meta.url));

const createItems: Migration = {
  up: async (db) => {
    await db.schema
      .createTable('items')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .execute();
  },
};
const addItemPrice: Migration = {
  up: async (db) => {
    await db.schema.alterTable('items').addColumn('price', 'integer').execute();
  },
};

async function migrationNames(store: Store, table: string): Promise<string[]> {
  const rows = await store.db.selectFrom(table).select('name').orderBy('name').execute();
  return rows.map((row) => row.name as string);
}

async function itemIds(store: Store): Promise<string[]> {
  const rows = await store.db.selectFrom('items').select('id').orderBy('id').execute();
  return rows.map((row) => row.id as string);
}

async function rejection(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

for (const engine of testEngines) {
  describe(`${engine.tag}store contract on ${engine.name}`, await needs(...(engine.infra ? [engine.infra] : [])), () => {
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      database = await engine.create();
      store = await openStore(database.url, { poolSize: 4 });
      await store.migrate({ '001_items': createItems });
    });

    after(async () => {
      await store?.close();
      await database?.drop();
    });

    it('applies each migration once, also after a reopen', async () => {
      await store.close();
      store = await openStore(database.url, { poolSize: 4 });
      await store.migrate({ '001_items': createItems });
      assert.deepEqual(await migrationNames(store, 'service_migrations'), ['001_items']);
      await store.migrate({ '001_items': createItems, '002_item_price': addItemPrice });
      await store.migrate({ '001_items': createItems, '002_item_price': addItemPrice });
      assert.deepEqual(await migrationNames(store, 'service_migrations'), ['001_items', '002_item_price']);
    });

    it('keeps migrations recorded in different tables apart, even with the same names', async () => {
      const createLedger: Migration = {
        up: async (db) => {
          await db.schema.createTable('ledger').addColumn('n', 'integer').execute();
        },
      };
      await store.migrate({ '001_items': createLedger }, 'platform_test_migrations');
      assert.deepEqual(await migrationNames(store, 'platform_test_migrations'), ['001_items']);
      assert.deepEqual(await store.db.selectFrom('ledger').selectAll().execute(), []);
    });

    it('names the engine it talks to, also inside a transaction', async () => {
      const expected = engine.name === 'mariadb' ? 'mysql' : engine.name;
      assert.equal(store.dialect, expected);
      assert.equal(dialectOf(store.db), expected);
      assert.equal(await store.transaction(async (trx) => dialectOf(trx)), expected);
    });

    it('commits a transaction whose function resolves', async () => {
      const result = await store.transaction(async (trx) => {
        await trx.insertInto('items').values({ id: 'commit-1', name: 'one' }).execute();
        await trx.insertInto('items').values({ id: 'commit-2', name: 'two' }).execute();
        return 'done';
      });
      assert.equal(result, 'done');
      assert.deepEqual((await itemIds(store)).filter((id) => id.startsWith('commit-')), ['commit-1', 'commit-2']);
    });

    it('rolls back a transaction whose function rejects, and rethrows its error', async () => {
      const failure = new Error('business rule');
      const error = await rejection(
        store.transaction(async (trx) => {
          await trx.insertInto('items').values({ id: 'rollback-1', name: 'one' }).execute();
          throw failure;
        }),
      );
      assert.equal(error, failure);
      assert.deepEqual((await itemIds(store)).filter((id) => id.startsWith('rollback-')), []);
    });

    it('inserts with insertIgnore only when the key is new, and says which happened', async () => {
      assert.equal(await insertIgnore(store.db, 'items', { id: 'ignore-1', name: 'first' }, ['id']), true);
      assert.equal(await insertIgnore(store.db, 'items', { id: 'ignore-1', name: 'second' }, ['id']), false);
      const row = await store.db.selectFrom('items').select('name').where('id', '=', 'ignore-1').executeTakeFirstOrThrow();
      assert.equal(row.name, 'first');
    });

    it('keeps a transaction usable after insertIgnore finds the key taken', async () => {
      await store.db.insertInto('items').values({ id: 'ignore-trx-1', name: 'first' }).execute();
      await store.transaction(async (trx) => {
        assert.equal(await insertIgnore(trx, 'items', { id: 'ignore-trx-1', name: 'again' }, ['id']), false);
        await trx.insertInto('items').values({ id: 'ignore-trx-2', name: 'second' }).execute();
      });
      assert.deepEqual((await itemIds(store)).filter((id) => id.startsWith('ignore-trx-')), ['ignore-trx-1', 'ignore-trx-2']);
    });

    it('keeps committed data after the store is closed and opened again', async () => {
      await store.db.insertInto('items').values({ id: 'durable-1', name: 'kept' }).execute();
      await store.close();
      store = await openStore(database.url, { poolSize: 4 });
      const row = await store.db.selectFrom('items').select('name').where('id', '=', 'durable-1').executeTakeFirst();
      assert.deepEqual({ ...row }, { name: 'kept' });
    });

    it('reports a duplicate key as AppError conflict, in and out of transactions', async () => {
      await store.db.insertInto('items').values({ id: 'dup-1', name: 'first' }).execute();
      const direct = await rejection(store.db.insertInto('items').values({ id: 'dup-1', name: 'again' }).execute());
      assert.ok(direct instanceof AppError, String(direct));
      assert.equal(direct.code, 'conflict');
      const inTransaction = await rejection(
        store.transaction((trx) => trx.insertInto('items').values({ id: 'dup-1', name: 'again' }).execute()),
      );
      assert.ok(inTransaction instanceof AppError);
      assert.equal(inTransaction.code, 'conflict');
    });

    it('lets two processes migrate the same database at once: one applies, the other finds it applied', async () => {
      // Both children start migrating at the same instant, well after either has started up.
      const env = { STORE_URL: database.url, MIGRATE_AT: String(Date.now() + 1_500) };
      const [first, second] = await Promise.all([runScript(migrateChild, env), runScript(migrateChild, env)]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(second.code, 0, second.stderr);
      const claims = await store.db.selectFrom('claims').select('pid').execute();
      assert.equal(claims.length, 1);
      assert.deepEqual(await migrationNames(store, 'concurrency_migrations'), ['001_claims']);
    });
  });
}

describe('store errors on SQLite', () => {
  it('reports a database locked by another process beyond the busy timeout as AppError unavailable', async () => {
    const database = await testEngines[0]!.create();
    const store = await openStore(database.url, { busyTimeoutMs: 50 });
    await store.migrate({ '001_items': createItems });
    const path = database.url.slice('sqlite:'.length);
    const other = new DatabaseSync(path);
    try {
      other.exec('begin immediate');
      const error = await rejection(store.db.insertInto('items').values({ id: 'busy', name: 'x' }).execute());
      assert.ok(error instanceof AppError, String(error));
      assert.equal(error.code, 'unavailable');
      assert.equal(error.canRetry, true);
    } finally {
      other.close();
      await store.close();
      await database.drop();
    }
  });

  it('queues the writes of two stores on one file in one process instead of stalling on the lock, and closes with the last', async () => {
    const database = await testEngines[0]!.create();
    const first = await openStore(database.url, { busyTimeoutMs: 200 });
    const second = await openStore(database.url, { busyTimeoutMs: 200 });
    try {
      await first.migrate({ '001_items': createItems });
      const writes = [
        first.transaction(async (trx) => {
          await trx.insertInto('items').values({ id: 'first', name: 'a' }).execute();
          await new Promise((resolve) => setTimeout(resolve, 50)); // the other store writes meanwhile
          await trx.insertInto('items').values({ id: 'first-again', name: 'b' }).execute();
        }),
        second.db.insertInto('items').values({ id: 'second', name: 'c' }).execute(),
      ];
      await Promise.all(writes);
      await first.close();
      assert.deepEqual(await itemIds(second), ['first', 'first-again', 'second']);
    } finally {
      await first.close();
      await second.close();
      await database.drop();
    }
  });

  it('opens files in WAL mode with foreign keys enforced and normal synchronous', async () => {
    const database = await testEngines[0]!.create();
    const store = await openStore(database.url);
    try {
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(store.db)).rows[0] ?? {})[0];
      assert.equal(await pragma('journal_mode'), 'wal');
      assert.equal(await pragma('foreign_keys'), 1);
      assert.equal(await pragma('synchronous'), 1); // NORMAL
      assert.equal(await pragma('busy_timeout'), 5000);
    } finally {
      await store.close();
      await database.drop();
    }
  });

  it('works in memory too', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      await store.migrate({ '001_items': createItems });
      await store.db.insertInto('items').values({ id: 'm', name: 'memory' }).execute();
      assert.equal((await itemIds(store)).length, 1);
    } finally {
      await store.close();
    }
  });

  it('returns inserted rows, and stores a Date as ISO-8601 text rather than NULL', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      await store.migrate({ '001_items': createItems });
      const at = new Date('2026-01-02T03:04:05.678Z');
      const inserted = await store.db.insertInto('items').values({ id: 'd', name: at }).returning(['id', 'name']).execute();
      assert.deepEqual(inserted.map((row) => ({ ...row })), [{ id: 'd', name: '2026-01-02T03:04:05.678Z' }]);
    } finally {
      await store.close();
    }
  });
});

for (const engine of testEngines.filter((candidate) => candidate.infra)) {
  describe(`${engine.tag}store errors on ${engine.name}`, await needs(engine.infra!), () => {
    it('reports a server that refuses connections as AppError unavailable', async () => {
      const url = engine.name === 'postgres' ? 'postgres://postgres@127.0.0.1:1/none' : 'mysql://root@127.0.0.1:1/none';
      const store = await openStore(url);
      try {
        const error = await rejection(store.ping());
        assert.ok(error instanceof AppError, String(error));
        assert.equal(error.code, 'unavailable');
      } finally {
        await store.close();
      }
    });

    it('reports a server that accepts connections and never answers (a hung one) as AppError unavailable, after connectTimeoutMs', { timeout: 10_000 }, async () => {
      const { port, close } = await hungServer();
      const store = await openStore(engine.name === 'postgres' ? `postgres://postgres@127.0.0.1:${port}/none` : `mysql://root@127.0.0.1:${port}/none`, { connectTimeoutMs: 300 });
      try {
        const started = performance.now();
        const error = await rejection(store.ping());
        assert.ok(error instanceof AppError && error.code === 'unavailable', String(error));
        assert.ok(performance.now() - started < 2_000, `rejected after ${Math.round(performance.now() - started)} ms`);
      } finally {
        await store.close();
        close();
      }
    });

    it('reports a connection lost in the middle of a query as AppError unavailable', async () => {
      const database = await engine.create();
      const store = await openStore(database.url, { poolSize: 1 });
      const admin = await openStore(database.url, { poolSize: 1 });
      try {
        const ownId = engine.name === 'postgres' ? sql<{ id: number }>`select pg_backend_pid() as id` : sql<{ id: number }>`select connection_id() as id`;
        const { rows } = await ownId.execute(store.db);
        const id = Number(rows[0]?.id);
        const sleeping = rejection(
          (engine.name === 'postgres' ? sql`select pg_sleep(10)` : sql`select sleep(10)`).execute(store.db),
        );
        await (engine.name === 'postgres'
          ? sql`select pg_terminate_backend(${id})`.execute(admin.db)
          : sql.raw(`kill ${id}`).execute(admin.db));
        const error = await sleeping;
        assert.ok(error instanceof AppError, String(error));
        assert.equal(error.code, 'unavailable');
      } finally {
        await admin.close();
        await store.close();
        await database.drop();
      }
    });
  });
}
