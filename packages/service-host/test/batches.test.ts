import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { envelop, systemClock } from '@eventide/core';
import { openEmbeddedBus, type Bus } from '@eventide/messaging';
import { testEngines, type TestDatabase } from '@eventide/store/testing';
import { eventually, needs, tempDir } from '@eventide/testing';
import { startService, type RunningService } from '../src/index.ts';
import { failOnce, lamp, SwitchedOff, SwitchedOn } from './fixtures/lamp.ts';

/**
 * Deliveries that are waiting when a service starts arrive as one batch, and go through its
 * handlers in runs, one transaction per handler and run (consumers.ts). What must hold: each
 * event's effect once, in the events' order across event types and handlers, also when a handler
 * fails in the middle of a run and the rest goes one at a time.
 */
for (const engine of testEngines.filter((e) => e.name !== 'mariadb')) {
  describe(`${engine.tag}a batch of waiting events on ${engine.name}`, await needs(...(engine.infra ? [engine.infra] : [])), () => {
    const dir = tempDir();
    let database: TestDatabase;
    let bus: Bus;
    let service: RunningService;
    // On and off in runs of 1 to 4, so runs of the same handlers alternate; 70 events.
    const types = Array.from({ length: 70 }, (_, i) => ((i * 7) % 11 < 6 ? SwitchedOn : SwitchedOff));
    before(async () => {
      database = await engine.create();
      bus = await openEmbeddedBus({ path: `${dir.path}/bus.db` });
      await bus.publisher.publish(
        types.map((type, i) => ({
          topic: 'demo.switches',
          key: 'lamp',
          envelope: envelop({ type: type.type, aggregateType: 'Lamp', aggregateId: 1, payload: { seq: i + 1 } }, { clock: systemClock }),
        })),
      );
      failOnce.add(23);
      failOnce.add(58);
      service = await startService(lamp, { env: { DATA_DIR: dir.path, PORT: '0', LOG_LEVEL: 'silent', STORE_URL: database.url } });
    });
    after(async () => {
      await service?.close();
      await bus.close();
      await database.drop();
      dir.remove();
    });

    it('applies each event once and in order, across event types, handlers and a failure mid-run', async () => {
      const expected = types.map((type, i) => `${i + 1} ${type === SwitchedOn ? 'on' : 'off'}`);
      await eventually(
        async () => {
          const state = (await (await fetch(`${service.url}/lamp`)).json()) as { state: string; lastSeq: number; history: string[]; count?: { switches: number; lastSeq: number } };
          assert.deepEqual(state.history, expected);
          assert.equal(state.lastSeq, 70);
          assert.equal(state.state, expected.at(-1)!.split(' ')[1]);
          assert.deepEqual(state.count, { switches: 70, lastSeq: 70 });
        },
        { what: 'all 70 switches applied in order' },
      );
      assert.equal(failOnce.size, 0, 'both failing events were tried and retried');
    });
  });
}
