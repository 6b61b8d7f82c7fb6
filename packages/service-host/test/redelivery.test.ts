import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { envelop, systemClock } from '@eventide/core';
import { openEmbeddedBus, type Bus } from '@eventide/messaging';
import { eventually, infraUrl, needs, tempDir } from '@eventide/testing';
import { startService, type RunningService } from '../src/index.ts';
import { NoteAdded, tally } from './fixtures/notes.ts';

/** The same envelope delivered twice: the policy's effect and the read model change once. */
function redeliveryCase(name: string, extraEnv: Record<string, string>, options: { skip?: string } = {}) {
  describe(name, options, () => {
    const dir = tempDir();
    let service: RunningService;
    let bus: Bus;
    before(async () => {
      service = await startService(tally, { env: { DATA_DIR: dir.path, PORT: '0', LOG_LEVEL: 'silent', ...extraEnv } });
      bus = await openEmbeddedBus({ path: `${dir.path}/bus.db` });
    });
    after(async () => {
      await bus.close();
      await service.close();
      dir.remove();
    });

    it('applies a redelivered event once, in the policy and in the read model', async () => {
      const noteNo = Math.floor(Math.random() * 1e9);
      const envelope = envelop(
        { type: NoteAdded.type, aggregateType: 'Note', aggregateId: noteNo, payload: { noteNo, text: 'twice', amount: 3 } },
        { clock: systemClock },
      );
      const marker = envelop(
        { type: NoteAdded.type, aggregateType: 'Note', aggregateId: noteNo, payload: { noteNo, text: 'after', amount: 100 } },
        { clock: systemClock },
      );
      // Same key, so the marker is handled after both copies.
      const message = { topic: 'demo.notes', key: String(noteNo), envelope };
      await bus.publisher.publish([message, message, { ...message, envelope: marker }]);
      const tallyOf = async () => (await (await fetch(`${service.url}/tally`)).json()) as { entries: number; total: number };
      const boardOf = async () => (await (await fetch(`${service.url}/board`)).json()) as { noteNo: number; text: string }[];
      // The marker's policy and its projection commit apart, so wait for both.
      await eventually(
        async () => {
          assert.equal((await tallyOf()).total, 103);
          assert.deepEqual((await boardOf()).filter((row) => row.noteNo === noteNo).map((row) => row.text), ['after']);
        },
        { what: 'both events to be handled by the policy and the read model' },
      );
      assert.equal((await tallyOf()).entries, 2);
    });
  });
}

redeliveryCase('redelivery, read model in the service store', {});
redeliveryCase('redelivery, read model on Redis [redis]', { READ_MODEL_URL: infraUrl.redis }, await needs('redis'));
