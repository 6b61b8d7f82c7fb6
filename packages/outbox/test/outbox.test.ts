import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { ManualClock, eventually, needs } from '@eventide/testing';
import { openStore } from '@eventide/store';
import type { Store } from '@eventide/store';
import type { Envelope } from '@eventide/core';
import type { Message } from '@eventide/messaging';
import { testEngines } from '@eventide/store/testing';
import type { TestDatabase } from '@eventide/store/testing';
import { addToOutbox, handleOnce, preparePlatformTables, startRelay, unitOfWork } from '@eventide/outbox';
import type { Relay, RelayOptions } from '@eventide/outbox';
import { RecordingPublisher } from './support/recording-publisher.ts';
import type { SharedLog } from './support/recording-publisher.ts';
import { message } from './support/messages.ts';

const effectsMigration = {
  '001_effects': {
    up: async (db: Parameters<Parameters<Store['transaction']>[0]>[0]) => {
      await db.schema
        .createTable('effects')
        .addColumn('id', 'varchar(100)', (c) => c.primaryKey())
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

for (const engine of testEngines) {
  describe(`${engine.tag}outbox and inbox on ${engine.name}`, await needs(...(engine.infra ? [engine.infra] : [])), () => {
    let database: TestDatabase;
    let store: Store;
    const relays: Relay[] = [];
    const extraStores: Store[] = [];

    const relay = (publisher: RecordingPublisher, options: RelayOptions = {}, on: Store = store): Relay => {
      const started = startRelay(on, publisher, { pollIntervalMs: 60_000, retryMinMs: 5, retryMaxMs: 20, ...options });
      relays.push(started);
      return started;
    };

    const outboxIds = async (): Promise<string[]> =>
      (await store.db.selectFrom('outbox').select('message_id').orderBy('sequence').execute()).map((row) => row.message_id as string);

    before(async () => {
      database = await engine.create();
      store = await openStore(database.url, { poolSize: 6 });
      await preparePlatformTables(store);
      await store.migrate(effectsMigration);
    });

    afterEach(async () => {
      await Promise.all(relays.splice(0).map((started) => started.stop()));
      await store.db.deleteFrom('outbox').execute();
    });

    after(async () => {
      await Promise.all(extraStores.map((extra) => extra.close()));
      await store?.close();
      await database?.drop();
    });

    it('creates its tables once, also when prepared again', async () => {
      await preparePlatformTables(store);
      const names = await store.db.selectFrom('platform_migrations').select('name').orderBy('name').execute();
      assert.deepEqual(names.map((row) => row.name), ['001_outbox_inbox_leases', '002_inbox_clustered']);
    });

    it('publishes committed messages in the order they were emitted, then removes them', async () => {
      const publisher = new RecordingPublisher();
      const uow = unitOfWork(store, relay(publisher));
      const sent = [message('shop.orders', 'a'), message('shop.orders', 'b'), message('shop.orders', 'a', { n: 'é "q"' })];
      await uow.run(async (_trx, emit) => emit(sent.slice(0, 2)));
      await uow.run(async (_trx, emit) => emit(sent.slice(2)));
      await eventually(() => assert.equal(publisher.published.length, 3), { what: 'three published messages' });
      assert.deepEqual(publisher.published, sent);
      await eventually(async () => assert.deepEqual(await outboxIds(), []), { what: 'the outbox to empty' });
    });

    it('keeps transport headers with the message', async () => {
      const publisher = new RecordingPublisher();
      const uow = unitOfWork(store, relay(publisher));
      const sent = { ...message('shop.orders', 'h'), headers: { attempt: '2' } };
      await uow.run(async (_trx, emit) => emit([sent]));
      await eventually(() => assert.deepEqual(publisher.published, [sent]));
    });

    it('publishes nothing for a unit of work that rolls back', async () => {
      const publisher = new RecordingPublisher();
      const uow = unitOfWork(store, relay(publisher, { pollIntervalMs: 10 }));
      const failure = new Error('rejected by a rule');
      await assert.rejects(
        uow.run(async (trx, emit) => {
          await trx.insertInto('effects').values({ id: 'rolled-back', count: 1 }).execute();
          emit([message('shop.orders', 'rolled-back')]);
          throw failure;
        }),
        failure,
      );
      const marker = message('shop.orders', 'after');
      await uow.run(async (_trx, emit) => emit([marker]));
      await eventually(() => assert.ok(publisher.ids.includes(marker.envelope.id)), { what: 'the marker to be published' });
      assert.deepEqual(publisher.ids, [marker.envelope.id]);
      assert.equal(await store.db.selectFrom('effects').selectAll().where('id', '=', 'rolled-back').executeTakeFirst(), undefined);
    });

    if (engine.name !== 'sqlite') {
      it('runs a unit of work the server aborted to resolve a deadlock again: both commit, and each emits once', async () => {
        await store.db.insertInto('effects').values([{ id: 'left', count: 0 }, { id: 'right', count: 0 }]).execute();
        const bothLocked = Promise.withResolvers<void>();
        let locked = 0;
        let runs = 0;
        // Each takes one row, waits until the other took the other row, then wants it: one must lose.
        const crossing = (first: string, second: string) =>
          unitOfWork(store).run(async (trx, emit) => {
            runs += 1;
            await trx.updateTable('effects').set((e) => ({ count: e('count', '+', 1) })).where('id', '=', first).execute();
            if (++locked === 2) bothLocked.resolve();
            await bothLocked.promise;
            await trx.updateTable('effects').set((e) => ({ count: e('count', '+', 1) })).where('id', '=', second).execute();
            emit([message('shop.orders', `${first}-${second}`)]);
          });
        await Promise.all([crossing('left', 'right'), crossing('right', 'left')]);
        assert.equal(runs, 3, 'the loser ran again, once');
        const counts = await store.db.selectFrom('effects').select(['id', 'count']).where('id', 'in', ['left', 'right']).orderBy('id').execute();
        assert.deepEqual(counts.map((row) => [row.id, Number(row.count)]), [['left', 2], ['right', 2]]);
        assert.equal((await outboxIds()).length, 2);
      });
    }

    it('is woken by the commit, not by its poll', async () => {
      const publisher = new RecordingPublisher();
      const uow = unitOfWork(store, relay(publisher, { pollIntervalMs: 60_000 }));
      const sent = message('shop.orders', 'woken');
      await uow.run(async (_trx, emit) => emit([sent]));
      await eventually(() => assert.deepEqual(publisher.ids, [sent.envelope.id]), { within: 2_000 });
    });

    // On SQLite the transactions asked for in one turn of the event loop (as requests read in one
    // poll are) commit together (group-commit.ts), and a woken relay lets the turn end before it
    // reads (either alone makes one batch here); a server engine's commits each end in a turn of
    // their own. Immediates, not zero timeouts: ten immediates queued at once run in one check
    // phase, while ten timers fall due in two turns when a millisecond passes between scheduling
    // them (CI saw two batches so).
    if (engine.name === 'sqlite') {
      it('publishes the units of work that commit in one turn of the event loop as one batch', async () => {
        const publisher = new RecordingPublisher();
        const uow = unitOfWork(store, relay(publisher));
        const sent = Array.from({ length: 10 }, (_, n) => message('shop.orders', `turn-${n}`));
        const committed = sent.map((one) => {
          const { promise, resolve, reject } = Promise.withResolvers<void>();
          setImmediate(() => void uow.run(async (_trx, emit) => emit([one])).then(resolve, reject));
          return promise;
        });
        await Promise.all(committed);
        await eventually(() => assert.equal(publisher.published.length, sent.length), { what: 'every message published' });
        assert.deepEqual(publisher.ids, sent.map((one) => one.envelope.id));
        assert.equal(publisher.calls, 1);
      });
    }

    it('finds by polling what was committed without waking it', async () => {
      const publisher = new RecordingPublisher();
      relay(publisher, { pollIntervalMs: 20 });
      const sent = message('shop.orders', 'polled');
      await store.transaction((trx) => addToOutbox(trx, [sent]));
      await eventually(() => assert.deepEqual(publisher.ids, [sent.envelope.id]), { within: 2_000 });
    });

    it('retries a failed publish from the same message, skipping none and keeping the order', async () => {
      const publisher = new RecordingPublisher();
      publisher.failNext(3);
      const uow = unitOfWork(store, relay(publisher, { batchSize: 2 }));
      const sent = Array.from({ length: 5 }, (_, n) => message('shop.orders', `k${n % 2}`, { n }));
      for (const one of sent) await uow.run(async (_trx, emit) => emit([one]));
      await eventually(() => assert.equal(publisher.published.length, 5), { what: 'all five published' });
      assert.deepEqual(publisher.ids, sent.map((one) => one.envelope.id));
      assert.ok(publisher.calls >= 3 + 3, `publish was called ${publisher.calls} times`);
    });

    it('keeps messages in the outbox until the publisher acknowledges them', async () => {
      const publisher = new RecordingPublisher();
      let acknowledge!: () => void;
      publisher.holdUntil(new Promise<void>((resolve) => (acknowledge = resolve)));
      const started = relay(publisher);
      const uow = unitOfWork(store, started);
      const sent = message('shop.orders', 'held');
      try {
        await uow.run(async (_trx, emit) => emit([sent]));
        await eventually(() => assert.equal(publisher.calls, 1), { what: 'a publish call' });
        assert.equal(await started.backlog(), 1);
      } finally {
        acknowledge();
      }
      await eventually(async () => assert.equal(await started.backlog(), 0), { what: 'the row to be deleted' });
    });

    it('flushes everything pending, also what was committed without waking it', async () => {
      const publisher = new RecordingPublisher();
      const started = relay(publisher, { batchSize: 50 });
      const sent = Array.from({ length: 120 }, (_, n) => message('shop.orders', `k${n % 4}`, { n }));
      await store.transaction((trx) => addToOutbox(trx, sent));
      assert.equal(await started.backlog(), 120);
      await started.flush();
      assert.equal(await started.backlog(), 0);
      assert.deepEqual(publisher.ids, sent.map((one) => one.envelope.id));
    });

    it('lets one relay publish at a time when two share the database, keeping the commit order', async () => {
      const shared: SharedLog = { inFlight: 0, maxInFlight: 0, log: [] };
      const other = await openStore(database.url, { poolSize: 6 });
      extraStores.push(other);
      const first = unitOfWork(store, relay(new RecordingPublisher(shared), { batchSize: 7, owner: 'replica-1' }));
      const second = unitOfWork(other, relay(new RecordingPublisher(shared), { batchSize: 7, owner: 'replica-2' }, other));
      const sent = Array.from({ length: 120 }, (_, n) => message('shop.orders', `k${n % 3}`, { n }));
      for (const [n, one] of sent.entries()) await (n % 2 === 0 ? first : second).run(async (_trx, emit) => emit([one]));
      await eventually(() => assert.equal(shared.log.length, sent.length), { within: 10_000, what: 'every message published' });
      assert.deepEqual(shared.log.map((one) => one.envelope.id), sent.map((one) => one.envelope.id));
      assert.equal(shared.maxInFlight, 1);
    });

    it('gives its lease back when it stops, so another relay takes over at once', async () => {
      const firstPublisher = new RecordingPublisher();
      const first = relay(firstPublisher, { leaseMs: 60_000, owner: 'first' });
      const before = message('shop.orders', 'before');
      await unitOfWork(store, first).run(async (_trx, emit) => emit([before]));
      await eventually(() => assert.equal(firstPublisher.published.length, 1));
      await first.stop();
      const secondPublisher = new RecordingPublisher();
      const second = relay(secondPublisher, { leaseMs: 60_000, owner: 'second' });
      const afterStop = message('shop.orders', 'after');
      await unitOfWork(store, second).run(async (_trx, emit) => emit([afterStop]));
      await eventually(() => assert.deepEqual(secondPublisher.ids, [afterStop.envelope.id]), { within: 2_000 });
    });

    it('reports each published batch with the age of its oldest message', async () => {
      const clock = new ManualClock();
      const reports: [number, number][] = [];
      const publisher = new RecordingPublisher();
      const started = relay(publisher, { clock, onPublished: (count, age) => reports.push([count, age]) });
      await store.transaction((trx) => addToOutbox(trx, [message('t', 'a'), message('t', 'b')], clock));
      clock.advance(1_500);
      await started.flush();
      assert.deepEqual(reports, [[2, 1_500]]);
    });

    it('handles an envelope once: its effect commits with the inbox record, a redelivery is a no-op', async () => {
      const delivered = message('shop.orders', 'once').envelope;
      const apply = () =>
        handleOnce(store, 'billing', delivered, async (trx) => {
          const row = await trx.selectFrom('effects').select('count').where('id', '=', 'once').executeTakeFirst();
          await (row
            ? trx.updateTable('effects').set({ count: Number(row.count) + 1 }).where('id', '=', 'once').execute()
            : trx.insertInto('effects').values({ id: 'once', count: 1 }).execute());
        });
      assert.equal(await apply(), 'handled');
      assert.equal(await apply(), 'duplicate');
      assert.equal(await handleOnce(store, 'another-consumer', delivered, async () => {}), 'handled');
      const row = await store.db.selectFrom('effects').select('count').where('id', '=', 'once').executeTakeFirstOrThrow();
      assert.equal(Number(row.count), 1);
    });

    it('records nothing when the handler fails, so the redelivery is handled', async () => {
      const delivered = message('shop.orders', 'fails').envelope;
      const failure = new Error('handler failed');
      await assert.rejects(
        handleOnce(store, 'billing', delivered, async (trx) => {
          await trx.insertInto('effects').values({ id: 'fails', count: 1 }).execute();
          throw failure;
        }),
        failure,
      );
      assert.equal(await store.db.selectFrom('effects').selectAll().where('id', '=', 'fails').executeTakeFirst(), undefined);
      assert.equal(await handleOnce(store, 'billing', delivered, async () => {}), 'handled');
    });

    it('commits a policy\'s effect, its emitted messages and its inbox record together', async () => {
      const publisher = new RecordingPublisher();
      const uow = unitOfWork(store, relay(publisher));
      const delivered = message('shop.orders', 'policy').envelope;
      const reaction = message('shop.deliveries', 'policy');
      const react = () =>
        uow.handleOnce('delivery', delivered, async (trx, emit) => {
          await trx.insertInto('effects').values({ id: 'policy', count: 1 }).execute();
          emit([reaction]);
        });
      assert.equal(await react(), 'handled');
      assert.equal(await react(), 'duplicate');
      await eventually(() => assert.deepEqual(publisher.ids, [reaction.envelope.id]));
    });

    it('handles a run of envelopes in one transaction: all of them, or none when one fails', async () => {
      const publisher = new RecordingPublisher();
      const uow = unitOfWork(store, relay(publisher));
      const [first, second, third] = ['run-1', 'run-2', 'run-3'].map((id) => message('shop.orders', id).envelope) as [Envelope, Envelope, Envelope];
      const reactions = new Map([first, second, third].map((e) => [e.id, message('shop.deliveries', `reaction-${e.id}`)]));
      const effects = () => store.db.selectFrom('effects').select('id').where('id', 'like', 'run-%').orderBy('id').execute();
      const failure = new Error('the third fails');
      // The second and third of an earlier run, the third failing: nothing of that run stays.
      await assert.rejects(
        uow.handleEachOnce('delivery', [second, third], async (envelope, trx, emit) => {
          await trx.insertInto('effects').values({ id: `run-${envelope.id}`, count: 1 }).execute();
          emit([reactions.get(envelope.id)!]);
          if (envelope === third) throw failure;
        }),
        failure,
      );
      assert.deepEqual(await effects(), []);
      // The first alone, then the whole run: the first is a duplicate, the others are handled in order.
      const order: string[] = [];
      const react = (envelope: Envelope, trx: Parameters<Parameters<Store['transaction']>[0]>[0], emit: (m: Message[]) => void) => {
        order.push(envelope.id);
        emit([reactions.get(envelope.id)!]);
        return trx.insertInto('effects').values({ id: `run-${envelope.id}`, count: 1 }).execute().then(() => undefined);
      };
      assert.deepEqual(await uow.handleEachOnce('delivery', [first], react), ['handled']);
      assert.deepEqual(await uow.handleEachOnce('delivery', [first, second, third], react), ['duplicate', 'handled', 'handled']);
      assert.deepEqual(order, [first.id, second.id, third.id]);
      assert.equal((await effects()).length, 3);
      await eventually(() => assert.deepEqual(publisher.ids, [first, second, third].map((e) => reactions.get(e.id)!.envelope.id)));
    });
  });
}
