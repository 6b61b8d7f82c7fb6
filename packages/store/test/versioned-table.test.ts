import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { isAppError } from '@eventide/core';
import { needs } from '@eventide/testing';
import { openStore, versionedTable, type Store } from '@eventide/store';
import { testEngines, type TestDatabase } from '@eventide/store/testing';

interface ToolRow {
  tool_no: number;
  name: string;
  price: number;
}

const createTools: Migration = {
  up: (db) =>
    db.schema
      .createTable('tools')
      .addColumn('tool_no', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('price', 'integer', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .execute(),
};

const toolsOf = (db: Kysely<any>) => versionedTable<ToolRow, 'tool_no'>(db, { table: 'tools', key: 'tool_no', columns: ['tool_no', 'name', 'price'], noun: 'tool' });

const conflictOn = (toolNo: number) => (error: unknown) =>
  isAppError(error) && error.code === 'conflict' && error.message === `tool ${toolNo} was changed by another request meanwhile; try again`;

for (const engine of testEngines) {
  describe(`${engine.tag}versionedTable on ${engine.name}: optimistic locking of one aggregate's row`, await needs(...(engine.infra ? [engine.infra] : [])), () => {
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      database = await engine.create();
      store = await openStore(database.url, { poolSize: 4 });
      await store.migrate({ '001_tools': createTools });
    });

    after(async () => {
      await store?.close();
      await database?.drop();
    });

    it('adds a row at version 1 and finds it with its version; an absent key finds nothing', async () => {
      await toolsOf(store.db).add({ tool_no: 1, name: 'drill', price: 30 });
      assert.deepEqual(await toolsOf(store.db).find(1), { row: { tool_no: 1, name: 'drill', price: 30 }, version: 1 });
      assert.equal(await toolsOf(store.db).find(404), undefined);
    });

    it('writes over the version it read and moves the version on; a second write over the same version is a conflict and changes nothing', async () => {
      await toolsOf(store.db).add({ tool_no: 2, name: 'saw', price: 10 });
      const read = (await toolsOf(store.db).find(2))!;
      await store.transaction((trx) => toolsOf(trx).update({ ...read.row, price: 12 }, read.version));
      await assert.rejects(
        store.transaction((trx) => toolsOf(trx).update({ ...read.row, name: 'hacksaw' }, read.version)),
        conflictOn(2),
      );
      assert.deepEqual(await toolsOf(store.db).find(2), { row: { tool_no: 2, name: 'saw', price: 12 }, version: 2 });
    });

    it('removes only at the version read: a stale removal is a conflict and keeps the row', async () => {
      await toolsOf(store.db).add({ tool_no: 3, name: 'plane', price: 50 });
      await toolsOf(store.db).update({ tool_no: 3, name: 'plane', price: 55 }, 1);
      await assert.rejects(toolsOf(store.db).remove(3, 1), conflictOn(3));
      assert.equal((await toolsOf(store.db).find(3))?.version, 2);
      await toolsOf(store.db).remove(3, 2);
      assert.equal(await toolsOf(store.db).find(3), undefined);
    });

    it('answers a write to a row that is gone with a conflict, not a silent no-op', async () => {
      await assert.rejects(toolsOf(store.db).update({ tool_no: 405, name: 'ghost', price: 1 }, 1), conflictOn(405));
      await assert.rejects(toolsOf(store.db).remove(405, 1), conflictOn(405));
    });
  });
}
