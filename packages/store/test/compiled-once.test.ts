import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CamelCasePlugin, type Kysely } from 'kysely';
import { isAppError } from '@eventide/core';
import { needs } from '@eventide/testing';
import { openStore, runCompiledOnce } from '@eventide/store';
import type { Store } from '@eventide/store';
import { testEngines } from '@eventide/store/testing';
import type { TestDatabase } from '@eventide/store/testing';

for (const engine of testEngines) {
  describe(`${engine.tag}a query compiled once on ${engine.name}`, await needs(...(engine.infra ? [engine.infra] : [])), () => {
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      database = await engine.create();
      store = await openStore(database.url);
      await store.db.schema
        .createTable('notes')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('body', 'varchar(255)', (c) => c.notNull())
        .execute();
    });

    after(async () => {
      await store?.close();
      await database?.drop();
    });

    it('is built on its first run only, and every run binds its own values', async () => {
      let built = 0;
      const insert = (id: string, body: string) =>
        runCompiledOnce(store.db, 'insert a note', [id, body], () => {
          built += 1;
          return store.db.insertInto('notes').values({ id, body });
        });
      await insert('n1', 'first');
      await store.transaction((trx) => runCompiledOnce(trx, 'insert a note', ['n2', 'second'], () => assert.fail('built again in a transaction')));
      await insert('n3', 'third');
      assert.equal(built, 1);
      const rows = await store.db.selectFrom('notes').select(['id', 'body']).orderBy('id').execute();
      assert.deepEqual(rows.map((row) => ({ ...row })), [
        { id: 'n1', body: 'first' },
        { id: 'n2', body: 'second' },
        { id: 'n3', body: 'third' },
      ]);
    });

    it('refuses, on its first run, parameters that are not the ones the query binds', async () => {
      await assert.rejects(
        runCompiledOnce(store.db, 'insert a note, values swapped', ['body first', 'n4'], () => store.db.insertInto('notes').values({ id: 'n4', body: 'body first' })),
        /the parameters given are not the ones it binds/,
      );
      assert.equal(await store.db.selectFrom('notes').select('id').where('id', '=', 'n4').executeTakeFirst(), undefined);
    });

    it('refuses an undefined parameter on every run, as the text kept has a column for it', async () => {
      const insert = (row: { id: string; body: string | undefined }) =>
        runCompiledOnce(store.db, 'insert a note, body maybe missing', Object.values(row), () => store.db.insertInto('notes').values(row as { id: string; body: string }));
      await insert({ id: 'n5', body: 'fifth' });
      await assert.rejects(insert({ id: 'n6', body: undefined }), /a parameter is undefined/);
      assert.equal(await store.db.selectFrom('notes').select('id').where('id', '=', 'n6').executeTakeFirst(), undefined);
    });

    it("runs in a transaction on the transaction's own connection: seen by the rest of it, classified, rolled back with it", async () => {
      const insert = (db: Kysely<any>, id: string, body: string) =>
        runCompiledOnce(db, 'insert a note', [id, body], () => db.insertInto('notes').values({ id, body }));
      const outcome = store.transaction(async (trx) => {
        await insert(trx, 't1', 'in a transaction');
        assert.deepEqual({ ...(await trx.selectFrom('notes').select('body').where('id', '=', 't1').executeTakeFirst()) }, { body: 'in a transaction' });
        const duplicate = await insert(trx, 't1', 'again').then(() => undefined, (error: unknown) => error);
        assert.ok(isAppError(duplicate) && duplicate.code === 'conflict', `a duplicate key gave ${String(duplicate)}`);
        throw new Error('roll back');
      });
      await assert.rejects(outcome, /roll back/);
      assert.equal(await store.db.selectFrom('notes').select('id').where('id', '=', 't1').executeTakeFirst(), undefined);
    });

    it("keeps a Kysely's plugins, in a transaction too", async () => {
      await store.db.insertInto('notes').values({ id: 'p1', body: 'with a plugin' }).execute();
      const read = (db: Kysely<any>) =>
        runCompiledOnce<Record<string, unknown>>(db, 'read a note body as note_body', ['p1'], () => db.selectFrom('notes').select('body as note_body').where('id', '=', 'p1'));
      const camel = new CamelCasePlugin();
      assert.deepEqual((await read(store.db.withPlugin(camel))).rows.map((row) => ({ ...row })), [{ noteBody: 'with a plugin' }]);
      const inTransaction = await store.transaction(async (trx) => (await read(trx.withPlugin(camel))).rows);
      assert.deepEqual(inTransaction.map((row) => ({ ...row })), [{ noteBody: 'with a plugin' }]);
    });
  });
}
