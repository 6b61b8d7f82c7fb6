import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as pace } from 'node:timers/promises';
import { envelop, systemClock } from '@eventide/core';
import type { Message } from '@eventide/messaging';
import { eventually } from '@eventide/testing';
import { startService, type RebuildResult, type RunningService } from '../src/index.ts';
import { assertProblem, client, distributedMode, embeddedMode, type Mode, type Setup, type Tap } from '../src/testing.ts';
import { BalanceSet, bankTopic, Credited, defineLedger, evolveAccount, poisonAccount, type AccountRow, type BankEvent } from './fixtures/ledger.ts';

const accounts = ['acc-a', 'acc-b', 'acc-c', 'acc-d', 'acc-e'];

/** Bank events in publish order; every seventh sets the balance, so the view depends on the order. */
class Bank {
  readonly published: BankEvent[] = [];
  readonly #system: string;
  readonly #tap: Tap;

  constructor(system: string, tap: Tap) {
    this.#system = system;
    this.#tap = tap;
  }

  async publish(count: number): Promise<void> {
    const messages: Message[] = [];
    for (let n = 0; n < count; n += 1) {
      const seq = this.published.length;
      const account = accounts[seq % accounts.length]!;
      const event: BankEvent =
        seq % 7 === 6 ? { type: BalanceSet.type, payload: { account, balance: seq * 10, seq } } : { type: Credited.type, payload: { account, amount: seq + 1, seq } };
      this.published.push(event);
      messages.push({
        topic: bankTopic(this.#system),
        key: account,
        envelope: envelop<BankEvent['payload']>({ ...event, aggregateType: 'Account', aggregateId: account }, { clock: systemClock }),
      });
    }
    await this.#tap.publish(messages);
  }

  /** The view as a from-scratch fold of every event in publish order (one account's events share a key, so a partition). */
  expected(): AccountRow[] {
    const rows = new Map<string, AccountRow>();
    for (const event of this.published) rows.set(event.payload.account, evolveAccount(rows.get(event.payload.account), event));
    return sorted([...rows.values()]);
  }
}

const sorted = (rows: AccountRow[]): AccountRow[] => [...rows].sort((a, b) => a.account.localeCompare(b.account));

function rebuildSuite(mode: Mode) {
  describe(`${mode.tag}rebuilding a read model from the events`, mode.options, () => {
    let setup: Setup;
    let tap: Tap;
    let bank: Bank;
    let ledger: RunningService;
    const api = client(() => ledger.url);
    const board = async () => sorted((await api.get('/accounts')).body as AccountRow[]);
    const rebuild = (name: string) => api.post(`/admin/read-models/${name}/rebuild`, undefined);
    const caughtUp = () =>
      eventually(async () => assert.deepEqual(await board(), bank.expected()), { within: mode.within, what: 'the view to hold every published event' });

    before(async () => {
      setup = await mode.prepare();
      tap = await setup.tap([bankTopic(setup.system)]);
      bank = new Bank(setup.system, tap);
      ledger = await startService(defineLedger(setup.system), { env: { ...setup.env, HANDLER_MAX_ATTEMPTS: '1' } });
    });
    after(async () => {
      await ledger?.close();
      await tap?.close();
      await setup?.cleanup();
    });

    it('gives the rows live consumption built, replaying every event', async () => {
      await bank.publish(60);
      await caughtUp();
      const live = await board();

      const response = await rebuild('accountBoard');

      assert.equal(response.status, 200, JSON.stringify(response.body));
      const result = response.body as RebuildResult;
      assert.equal(result.kind, 'projection');
      assert.equal(result.kind === 'projection' && result.events, 60);
      assert.deepEqual(await board(), live);
    });

    it('equals a from-scratch build when events keep arriving during the rebuild, in each account’s order', async () => {
      let publishing = true;
      const publisher = (async () => {
        // About 500 events a second: a replay ends when it has caught up, so it must outpace the producers.
        while (publishing) {
          await bank.publish(5);
          await pace(10);
        }
      })();
      await eventually(() => assert.ok(bank.published.length >= 100), { within: mode.within });
      const response = await rebuild('accountBoard');
      await bank.publish(5);
      publishing = false;
      await publisher;

      assert.equal(response.status, 200, JSON.stringify(response.body));
      await caughtUp();
      assert.equal(
        (await board()).reduce((sum, row) => sum + row.seen.length, 0),
        bank.published.length,
        'every event applied exactly once',
      );
      // Once more: nothing arrives now, so the rebuild alone must give the same rows.
      await rebuild('accountBoard');
      assert.deepEqual(await board(), bank.expected());
    });

    it('rebuilds an inline view from the tables it summarises', async () => {
      for (const [account, amount] of [['acc-a', 5], ['acc-b', 7], ['acc-a', 11]] as const) {
        assert.equal((await api.post('/entries', { account, amount })).status, 201);
      }
      const before = (await api.get('/entryTotals')).body;
      await ledger.context.store.db.updateTable('entry_totals').set({ total: 0 }).execute();
      await ledger.context.store.db.deleteFrom('entry_totals').where('account', '=', 'acc-b').execute();

      const response = await rebuild('entryTotals');

      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual({ kind: response.body.kind, rows: response.body.rows }, { kind: 'inline', rows: 2 });
      assert.deepEqual((await api.get('/entryTotals')).body, before);
      assert.deepEqual(before, [
        { account: 'acc-a', entries: 2, total: 16 },
        { account: 'acc-b', entries: 1, total: 7 },
      ]);
    });

    it('passes by an event the projection refuses, as live consumption dead-lettered it', async () => {
      const poison = envelop(
        { type: Credited.type, aggregateType: 'Account', aggregateId: poisonAccount, payload: { account: poisonAccount, amount: 1, seq: -1 } },
        { clock: systemClock },
      );
      // Dead-lettered live (HANDLER_MAX_ATTEMPTS=1), and the events after it on its key flow on.
      await tap.publish([{ topic: bankTopic(setup.system), key: 'acc-a', envelope: poison }]);
      await bank.publish(5);
      await caughtUp();

      const response = await rebuild('accountBoard');

      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual([response.body.events, response.body.skipped], [bank.published.length, 1]);
      assert.deepEqual(await board(), bank.expected());
    });

    it('lists its read models and answers 404 for one it does not have', async () => {
      assert.deepEqual((await api.get('/admin/read-models')).body, ['accountBoard', 'entryTotals']);
      assertProblem(await rebuild('nothing'), 404);
    });
  });
}

rebuildSuite(embeddedMode('demo', 'ledger'));
rebuildSuite(await distributedMode('demo', 'ledger', 'postgres', true));
