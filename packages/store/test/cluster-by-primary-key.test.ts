import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { clusterByPrimaryKey, insertIgnore, openStore } from '@eventide/store';
import type { Store } from '@eventide/store';

describe('clustering a SQLite table by its primary key', () => {
  let store: Store;
  const createSql = async (table: string) =>
    (await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(store.db)).rows[0]?.sql;

  before(async () => {
    store = await openStore('sqlite::memory:');
    await store.db.schema
      .createTable('marks')
      .addColumn('consumer', 'varchar(191)', (c) => c.notNull())
      .addColumn('message_id', 'varchar(191)', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('marks_pk', ['consumer', 'message_id'])
      .execute();
    await store.db.insertInto('marks').values([{ consumer: 'c', message_id: 'm1', at: 1 }, { consumer: 'c', message_id: 'm2', at: 2 }]).execute();
  });

  after(() => store?.close());

  it('rebuilds it without rowid, with its rows and its key', async () => {
    await store.transaction((trx) => clusterByPrimaryKey(trx, 'marks'));
    assert.match((await createSql('marks')) ?? '', /without rowid$/);
    const rows = await store.db.selectFrom('marks').selectAll().orderBy('message_id').execute();
    assert.deepEqual(rows.map((row) => ({ ...row })), [{ consumer: 'c', message_id: 'm1', at: 1 }, { consumer: 'c', message_id: 'm2', at: 2 }]);
    assert.equal(await insertIgnore(store.db, 'marks', { consumer: 'c', message_id: 'm1', at: 3 }, ['consumer', 'message_id']), false);
    assert.equal(await insertIgnore(store.db, 'marks', { consumer: 'c', message_id: 'm3', at: 3 }, ['consumer', 'message_id']), true);
  });

  it('leaves a table already without rowid as it is', async () => {
    const before = await createSql('marks');
    await store.transaction((trx) => clusterByPrimaryKey(trx, 'marks'));
    assert.equal(await createSql('marks'), before);
    assert.equal((await store.db.selectFrom('marks').selectAll().execute()).length, 3);
  });
});
