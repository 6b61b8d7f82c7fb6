import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { envelop, systemClock } from '@eventide/core';
import { openEmbeddedBus } from '@eventide/messaging';
import { eventually, freePort, tempDir } from '@eventide/testing';
import type { Kysely } from 'kysely';
import { defineService, startService, type RunningService } from '../src/index.ts';
import { NoteAdded } from './fixtures/notes.ts';

const rows = async (db: Kysely<any>) => (await db.selectFrom('seen').select('what').orderBy('what').execute()).map((r) => r.what as string);

describe('a service start hook (onStart)', () => {
  const dir = tempDir();
  const steps: string[] = [];
  let url = '';
  let service: RunningService;

  const starter = defineService({
    system: 'demo',
    service: 'starter',
    port: 0,
    contracts: [NoteAdded],
    migrations: {
      '001_seen': { up: (db) => db.schema.createTable('seen').addColumn('what', 'varchar(50)', (c) => c.primaryKey()).execute() },
    },
    policies: [
      {
        name: 'recordNoteAdded',
        topics: ['demo.notes'],
        on: [NoteAdded.type],
        async handle(_event, { trx }) {
          steps.push(`policy saw ${(await rows(trx)).join(',')}`);
          await trx.insertInto('seen').values({ what: 'handled' }).execute();
        },
      },
    ],
    async onStart({ command }) {
      steps.push(await fetch(`${url}/seen`).then(() => 'port open during onStart', () => 'port closed during onStart'));
      await command({ id: 'seed' }, async (trx, emit) => {
        await trx.insertInto('seen').values({ what: 'seeded' }).execute();
        emit({ type: NoteAdded.type, aggregateType: 'Note', aggregateId: 1, payload: { noteNo: 1, text: 'seeded', amount: 1 } });
      });
      // A consumer started too early would handle the waiting event within this window.
      await delay(300);
      steps.push('onStart done');
    },
    routes(app, { store }) {
      steps.push('routes');
      app.get('/seen', async () => rows(store.db));
    },
  });

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const bus = await openEmbeddedBus({ path: `${dir.path}/bus.db` });
    await bus.ensureTopics(['demo.notes']);
    const waiting = envelop({ type: NoteAdded.type, aggregateType: 'Note', aggregateId: 2, payload: { noteNo: 2, text: 'waiting', amount: 1 } }, { clock: systemClock });
    await bus.publisher.publish([{ topic: 'demo.notes', key: '2', envelope: waiting }]);
    await bus.close();
    service = await startService(starter, { env: { DATA_DIR: dir.path, PORT: String(port), LOG_LEVEL: 'silent' } });
  });
  after(async () => {
    await service?.close();
    dir.remove();
  });

  it('runs after the migrations and before the consumers, the routes and the port, its command committed and published', async () => {
    await eventually(() => assert.equal(steps.length, 4), { what: 'the waiting event to be handled' });
    assert.deepEqual(steps.slice(0, 2), ['port closed during onStart', 'onStart done']);
    assert.deepEqual(new Set(steps.slice(2)), new Set(['routes', 'policy saw seeded']));
    assert.deepEqual(await (await fetch(`${service.url}/seen`)).json(), ['handled', 'seeded']);
    const bus = await openEmbeddedBus({ path: `${dir.path}/bus.db` });
    try {
      const published: string[] = [];
      const consumer = await bus.subscribe({
        group: 'on-start-test',
        topics: ['demo.starter'],
        handle: async ({ envelope }) => void published.push((envelope.payload as { text: string }).text),
      });
      await eventually(() => assert.deepEqual(published, ['seeded']), { what: 'the seeded event on the service topic' });
      await consumer.stop();
    } finally {
      await bus.close();
    }
  });
});
