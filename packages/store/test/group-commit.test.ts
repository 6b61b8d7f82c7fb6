import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { isAppError } from '@eventide/core';
import { openStore } from '@eventide/store';
import type { Store } from '@eventide/store';
import { tempDir } from '@eventide/testing';

describe('transactions on SQLite commit in groups', () => {
  const dir = tempDir('eventide-group-commit-');
  const file = join(dir.path, 'store.db');
  let store: Store;
  let other: DatabaseSync;
  const committed = (id: number) => other.prepare('select count(*) as n from rows where id = ?').get(id)?.n === 1;

  before(async () => {
    store = await openStore(`sqlite:${file}`);
    await store.db.schema.createTable('rows').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('seen', 'integer').execute();
    await store.db.schema.createTable('commits').addColumn('n', 'integer').execute();
    other = new DatabaseSync(file, { readOnly: true });
  });
  after(async () => {
    other?.close();
    await store?.close();
    dir.remove();
  });

  const insert = (id: number) => store.transaction(async (trx) => {
    // How many rows this unit sees: the ones of the units before it in its batch too.
    const { count } = (await trx.selectFrom('rows').select((e) => e.fn.countAll<number>().as('count')).executeTakeFirstOrThrow());
    await trx.insertInto('rows').values({ id, seen: Number(count) }).execute();
    return id;
  });

  it('runs the transactions asked for together in one SQLite transaction, one after another, and each resolves only once it is committed', async () => {
    const commitsBefore = other.prepare('pragma data_version').get()?.data_version;
    const resolvedCommitted: boolean[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, i) => insert(i + 1).then((id) => resolvedCommitted.push(committed(id)))));
    assert.deepEqual(resolvedCommitted, Array(10).fill(true), 'another connection sees each row when its transaction resolves');
    const seen = (await store.db.selectFrom('rows').select(['id', 'seen']).orderBy('id').execute()).map((r) => Number(r.seen));
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'each saw the rows of those before it');
    // data_version changes once per commit by another connection (whatever the number of rows).
    assert.equal(Number(other.prepare('pragma data_version').get()?.data_version) - Number(commitsBefore), 1, 'one commit for the ten');
  });

  it('rolls back only the transaction that failed: it rejects with its own error, the others of its group commit', async () => {
    const results = await Promise.allSettled([
      insert(101),
      store.transaction(async (trx) => {
        await trx.insertInto('rows').values({ id: 102, seen: 0 }).execute();
        throw new Error('the handler refused');
      }),
      insert(103),
      insert(101), // a unique violation: a conflict, and only its own insert undone
      insert(104),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /the handler refused/);
    const conflict: unknown = (results[3] as PromiseRejectedResult).reason;
    assert.ok(isAppError(conflict) && conflict.code === 'conflict', String(conflict));
    assert.deepEqual([101, 102, 103, 104].map(committed), [true, false, true, true]);
  });

  it('runs a transaction asked for alone as it is', async () => {
    assert.equal(await insert(201), 201);
    assert.ok(committed(201));
    await assert.rejects(store.transaction(async () => Promise.reject(new Error('alone and failing'))), /alone and failing/);
  });
});
