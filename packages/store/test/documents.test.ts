import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { AppError } from '@eventide/core';
import { hungServer, infraUrl, needs } from '@eventide/testing';
import type { Infra } from '@eventide/testing';
import { openRedisDocuments, openSqlDocuments, openStore } from '@eventide/store';
import type { DocumentCollection, Documents, DocumentSession } from '@eventide/store';
import { testEngines } from '@eventide/store/testing';

interface Target {
  readonly name: string;
  readonly tag: string;
  readonly infra?: Infra;
  open(): Promise<{ documents: Documents; cleanup(): Promise<void> }>;
}

const sqlTargets: Target[] = testEngines.map((engine) => ({
  name: engine.name,
  tag: engine.tag,
  ...(engine.infra && { infra: engine.infra }),
  open: async () => {
    const database = await engine.create();
    const store = await openStore(database.url, { poolSize: 8 });
    const documents = await openSqlDocuments(store);
    return {
      documents,
      cleanup: async () => {
        await documents.close();
        await store.close();
        await database.drop();
      },
    };
  },
}));

const redisTarget: Target = {
  name: 'redis',
  tag: '[redis] ',
  infra: 'redis',
  open: async () => {
    const namespace = `test-${randomBytes(6).toString('hex')}`;
    const documents = await openRedisDocuments(infraUrl.redis, { namespace });
    return {
      documents,
      cleanup: async () => {
        await documents.close();
        const redis = new Redis(infraUrl.redis);
        const keys = await redis.keys(`{${namespace}}:*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
      },
    };
  },
};

interface Rental {
  readonly itemNo: number;
  readonly status: string;
  readonly paid?: boolean;
  readonly tags?: readonly string[];
  readonly count?: number;
}

const ids = (items: readonly { itemNo: number }[]): number[] => items.map((item) => item.itemNo);

for (const target of [...sqlTargets, redisTarget]) {
  describe(`${target.tag}documents contract on ${target.name}`, await needs(...(target.infra ? [target.infra] : [])), () => {
    let documents: Documents;
    let cleanup: () => Promise<void>;
    let rentals: DocumentCollection<Rental>;

    before(async () => {
      ({ documents, cleanup } = await target.open());
    });
    after(() => cleanup?.());

    let collections = 0;
    const fresh = (): DocumentCollection<Rental> => documents.collection<Rental>(`rentals-${(collections += 1)}`);

    it('answers undefined for a document never written', async () => {
      rentals = fresh();
      assert.equal(await rentals.get('nothing'), undefined);
    });

    it('returns what was upserted, JSON intact, and replaces it on the next upsert', async () => {
      rentals = fresh();
      const first: Rental = { itemNo: 1, status: 'Reserved', tags: [], count: 0.5 };
      await rentals.upsert('1', first);
      assert.deepEqual(await rentals.get('1'), first);
      await rentals.upsert('1', { itemNo: 1, status: 'Rented' });
      assert.deepEqual(await rentals.get('1'), { itemNo: 1, status: 'Rented' });
    });

    it('gives a document back with its fields in the order they were written, as an API shows them', async () => {
      rentals = fresh();
      await rentals.upsert('1', { status: 'Reserved', itemNo: 1, count: 2, tags: ['a'] });
      assert.deepEqual(Object.keys((await rentals.get('1')) ?? {}), ['status', 'itemNo', 'count', 'tags']);
      assert.deepEqual(Object.keys((await rentals.list({ page: 0, size: 1 })).items[0] ?? {}), ['status', 'itemNo', 'count', 'tags']);
    });

    it('merges a patch into the top level and returns the merged document', async () => {
      rentals = fresh();
      await rentals.upsert('1', { itemNo: 1, status: 'Reserved', paid: false });
      assert.deepEqual(await rentals.patch('1', { paid: true }), { itemNo: 1, status: 'Reserved', paid: true });
      assert.deepEqual(await rentals.get('1'), { itemNo: 1, status: 'Reserved', paid: true });
    });

    it('patches nothing and answers undefined when the document does not exist', async () => {
      rentals = fresh();
      assert.equal(await rentals.patch('ghost', { paid: true }), undefined);
      assert.equal(await rentals.get('ghost'), undefined);
      assert.equal((await rentals.list()).total, 0);
    });

    it('deletes a document and says whether there was one', async () => {
      rentals = fresh();
      await rentals.upsert('1', { itemNo: 1, status: 'Reserved' });
      assert.equal(await rentals.delete('1'), true);
      assert.equal(await rentals.delete('1'), false);
      assert.equal(await rentals.get('1'), undefined);
      assert.deepEqual(await rentals.list(), { items: [], total: 0 });
    });

    it('lists in creation order a page at a time, with the total, a replaced document keeping its place', async () => {
      rentals = fresh();
      for (let n = 1; n <= 25; n += 1) await rentals.upsert(String(n), { itemNo: n, status: 'Reserved' });
      await rentals.upsert('3', { itemNo: 3, status: 'Rented' });
      await rentals.delete('4');
      const first = await rentals.list({ page: 0, size: 10 });
      assert.deepEqual(ids(first.items), [1, 2, 3, 5, 6, 7, 8, 9, 10, 11]);
      assert.equal(first.total, 24);
      assert.equal(first.items[2]?.status, 'Rented');
      const last = await rentals.list({ page: 2, size: 10 });
      assert.deepEqual(ids(last.items), [22, 23, 24, 25]);
      assert.equal(last.total, 24);
      assert.deepEqual((await rentals.list({ page: 3, size: 10 })).items, []);
      assert.equal((await rentals.list()).items.length, 20);
    });

    it('filters a list by equality of top-level fields, and counts only the matches', async () => {
      rentals = fresh();
      const odd = 'Café "quoted" \\ back';
      for (let n = 1; n <= 6; n += 1) {
        await rentals.upsert(String(n), { itemNo: n, status: n % 2 === 0 ? 'Rented' : odd, paid: n > 3, count: n * 1.5 });
      }
      const rented = await rentals.list({ where: { status: 'Rented' } });
      assert.deepEqual(ids(rented.items), [2, 4, 6]);
      assert.equal(rented.total, 3);
      assert.deepEqual(ids((await rentals.list({ where: { status: odd } })).items), [1, 3, 5]);
      const paidRented = await rentals.list({ where: { status: 'Rented', paid: true }, size: 1, page: 1 });
      assert.deepEqual(ids(paidRented.items), [6]);
      assert.equal(paidRented.total, 2);
      assert.deepEqual(ids((await rentals.list({ where: { count: 4.5 } })).items), [3]);
      assert.deepEqual(ids((await rentals.list({ where: { itemNo: 5 } })).items), [5]);
      assert.equal((await rentals.list({ where: { status: 'rented' } })).total, 0);
    });

    it('keeps collections apart, also for equal ids', async () => {
      const left = fresh();
      const right = fresh();
      await left.upsert('1', { itemNo: 1, status: 'left' });
      await right.upsert('1', { itemNo: 1, status: 'right' });
      assert.equal((await left.get('1'))?.status, 'left');
      assert.equal((await right.list()).total, 1);
    });

    it('applies a projection once: the same event again changes nothing and does not run it', async () => {
      rentals = fresh();
      let runs = 0;
      const project = () =>
        documents.applyOnce('mypage', 'event-1', async (session) => {
          runs += 1;
          const view = session.collection<Rental>(rentals.name);
          const current = await view.get('1');
          await view.upsert('1', { itemNo: 1, status: 'Reserved', count: (current?.count ?? 0) + 1 });
        });
      assert.equal(await project(), 'applied');
      assert.equal(await project(), 'duplicate');
      assert.equal(runs, 1);
      assert.equal((await rentals.get('1'))?.count, 1);
      assert.equal(
        await documents.applyOnce('another-consumer', 'event-1', async () => {}),
        'applied',
        'the marker belongs to one consumer',
      );
    });

    it('leaves neither changes nor the marker when the projection fails, so a redelivery applies it', async () => {
      rentals = fresh();
      const failure = new Error('projection bug');
      await assert.rejects(
        documents.applyOnce('mypage', 'event-fail', async (session) => {
          await session.collection<Rental>(rentals.name).upsert('1', { itemNo: 1, status: 'Reserved' });
          throw failure;
        }),
        failure,
      );
      assert.equal(await rentals.get('1'), undefined);
      const applied = await documents.applyOnce('mypage', 'event-fail', async (session) => {
        await session.collection<Rental>(rentals.name).upsert('1', { itemNo: 1, status: 'Reserved' });
      });
      assert.equal(applied, 'applied');
      assert.equal((await rentals.get('1'))?.status, 'Reserved');
    });

    it('applies a run of events in order, each once, and again safely after one of them failed', async () => {
      rentals = fresh();
      const seen: string[] = [];
      const change = (eventId: string, fail = false) => ({
        eventId,
        mutate: async (session: DocumentSession) => {
          seen.push(eventId);
          const view = session.collection<Rental>(rentals.name);
          const current = await view.get('1');
          await view.upsert('1', { itemNo: 1, status: eventId, count: (current?.count ?? 0) + 1 });
          if (fail) throw new Error(`${eventId} fails`);
        },
      });
      await assert.rejects(documents.applyEachOnce('mypage', [change('run-1'), change('run-2', true)]), /run-2 fails/);
      // SQL rolled the whole run back, Redis kept the first: both are a state the same run can start from again.
      assert.ok([undefined, 1].includes((await rentals.get('1'))?.count), 'run-2 left nothing');
      seen.length = 0;
      assert.deepEqual(await documents.applyEachOnce('mypage', [change('run-1'), change('run-2'), change('run-3')]), [
        ...(documents.kind === 'sql' ? ['applied'] : ['duplicate']),
        'applied',
        'applied',
      ]);
      assert.deepEqual(seen, documents.kind === 'sql' ? ['run-1', 'run-2', 'run-3'] : ['run-2', 'run-3']);
      assert.deepEqual(await rentals.get('1'), { itemNo: 1, status: 'run-3', count: 3 });
      assert.deepEqual(await documents.applyEachOnce('mypage', [change('run-4'), change('run-4')]), ['applied', 'duplicate'], 'the same event twice in one run');
      assert.equal((await rentals.get('1'))?.count, 4);
    });

    it('sees its own writes within one projection, across collections', async () => {
      const items = fresh();
      const payments = fresh();
      await payments.upsert('9', { itemNo: 9, status: 'Paid' });
      await documents.applyOnce('mypage', 'event-own', async (session) => {
        const itemView = session.collection<Rental>(items.name);
        const paymentView = session.collection<Rental>(payments.name);
        await itemView.upsert('1', { itemNo: 1, status: 'Reserved' });
        assert.equal((await itemView.get('1'))?.status, 'Reserved');
        assert.deepEqual(await itemView.patch('1', { paid: true }), { itemNo: 1, status: 'Reserved', paid: true });
        assert.equal(await paymentView.delete('9'), true);
        assert.equal(await paymentView.get('9'), undefined);
      });
      assert.deepEqual(await items.get('1'), { itemNo: 1, status: 'Reserved', paid: true });
      assert.equal(await payments.get('9'), undefined);
    });

    it('loses no update when projections of different events change one document at once', async () => {
      rentals = fresh();
      await rentals.upsert('1', { itemNo: 1, status: 'Reserved', count: 0 });
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          documents.applyOnce('counter', `event-${n}`, async (session) => {
            const view = session.collection<Rental>(rentals.name);
            const current = await view.get('1');
            await view.patch('1', { count: (current?.count ?? 0) + 1 });
          }),
        ),
      );
      assert.deepEqual(new Set(outcomes), new Set(['applied']));
      assert.equal((await rentals.get('1'))?.count, 20);
    });

    it('loses no update when projections of different events create one document at once', async () => {
      rentals = fresh();
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          documents.applyOnce('creator', `event-${n}`, async (session) => {
            const view = session.collection<Rental>(rentals.name);
            const current = await view.get('1');
            await view.upsert('1', { itemNo: 1, status: 'Reserved', count: (current?.count ?? 0) + 1 });
          }),
        ),
      );
      assert.deepEqual(new Set(outcomes), new Set(['applied']));
      assert.equal((await rentals.get('1'))?.count, 20);
    });

    it('clears a projection: its collections and its markers go, other collections and consumers stay', async () => {
      const board = fresh();
      const other = fresh();
      const project = (consumer: string, eventId: string, collection: DocumentCollection<Rental>) =>
        documents.applyOnce(consumer, eventId, async (session) => {
          await session.collection<Rental>(collection.name).upsert(eventId, { itemNo: 1, status: 'Reserved' });
        });
      await project('board', 'event-a', board);
      await project('board', 'event-b', board);
      await project('other', 'event-a', other);

      await documents.clear('board', [board.name]);

      assert.deepEqual(await board.list(), { items: [], total: 0 });
      assert.equal(await project('board', 'event-a', board), 'applied', 'the marker is gone, so the event applies again');
      assert.deepEqual(ids((await board.list()).items), [1]);
      assert.equal((await other.list()).total, 1);
      assert.equal(await project('other', 'event-a', other), 'duplicate', "another consumer's markers stay");
    });

    it('answers ping while its store is reachable', async () => {
      await documents.ping();
    });
  });
}

describe('documents on a Redis that accepts connections and never answers (a hung server)', () => {
  it('answers reads and pings with AppError timeout within two seconds, instead of waiting with them', { timeout: 10_000 }, async () => {
    const hung = await hungServer();
    const documents = await openRedisDocuments(`redis://127.0.0.1:${hung.port}`);
    try {
      for (const command of [() => documents.ping(), () => documents.collection('notes').get('n1')]) {
        const started = performance.now();
        const error = await command().then(
          () => assert.fail('a hung server answered'),
          (rejection: unknown) => rejection,
        );
        assert.ok(error instanceof AppError && error.code === 'timeout', String(error));
        assert.ok(error.canRetry && error.retryAfterSeconds !== undefined);
        assert.ok(performance.now() - started < 3_000, `rejected after ${Math.round(performance.now() - started)} ms`);
      }
    } finally {
      await documents.close();
      hung.close();
    }
  });
});

describe('[redis] documents on an unreachable Redis', await needs('redis'), () => {
  it('reports the server as AppError unavailable', async () => {
    const documents = await openRedisDocuments('redis://127.0.0.1:1');
    try {
      const error = await documents.ping().then(
        () => assert.fail('ping should reject'),
        (rejection: unknown) => rejection,
      );
      assert.ok(error instanceof AppError, String(error));
      assert.equal(error.code, 'unavailable');
    } finally {
      await documents.close();
    }
  });
});
