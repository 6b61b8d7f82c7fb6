import { setTimeout as delay } from 'node:timers/promises';
import type { Transaction } from 'kysely';
import { systemClock } from '@eventide/core';
import type { Clock, Envelope } from '@eventide/core';
import type { Message } from '@eventide/messaging';
import { isContentionAbort, type Store } from '@eventide/store';
import { addToOutbox } from './add-to-outbox.ts';
import { markHandled } from './handle-once.ts';
import type { Relay } from './relay.ts';

/** Queues messages to be written to the outbox with the unit of work's change. */
export type Emit = (messages: readonly Message[]) => void;

export interface UnitOfWork {
  /**
   * Runs `fn` in a transaction; the messages it emits are written to the outbox in the same
   * transaction, after `fn` resolves. The relay is woken only after the commit: a rolled-back
   * unit of work leaves nothing to publish.
   */
  run<T>(fn: (trx: Transaction<any>, emit: Emit) => Promise<T>): Promise<T>;
  /**
   * handleOnce with an outbox: a policy's effects, the messages it emits and its inbox record
   * commit together ('handled'), or nothing happens because the envelope was handled before ('duplicate').
   */
  handleOnce(consumer: string, envelope: Pick<Envelope, 'id'>, fn: (trx: Transaction<any>, emit: Emit) => Promise<void>): Promise<'handled' | 'duplicate'>;
  /**
   * handleOnce for several envelopes in order, in one transaction: one commit for all of them,
   * or, when `fn` throws for any, none of their effects, messages and inbox records.
   */
  handleEachOnce<E extends Pick<Envelope, 'id'>>(
    consumer: string,
    envelopes: readonly E[],
    fn: (envelope: E, trx: Transaction<any>, emit: Emit) => Promise<void>,
  ): Promise<Array<'handled' | 'duplicate'>>;
}

/**
 * Attempts a unit of work gets when PostgreSQL or MariaDB aborts its transaction to resolve
 * contention (a deadlock, a serialization failure): running it again is the remedy, and the
 * caller should not have to (it would get 503). `fn` runs again from the start with a fresh
 * transaction and nothing of the aborted attempt's emits; it must not act outside the
 * transaction, which a unit of work never should anyway.
 */
const contentionAttempts = 4;

export function unitOfWork(store: Store, relay?: Pick<Relay, 'wake'>, clock: Clock = systemClock): UnitOfWork {
  const attempt = async <T>(fn: (trx: Transaction<any>, emit: Emit) => Promise<T>): Promise<T> => {
    const emitted: Message[] = [];
    let open = true;
    const emit: Emit = (messages) => {
      if (!open) throw new Error('emit() called after its unit of work ended');
      emitted.push(...messages);
    };
    const result = await store
      .transaction(async (trx) => {
        const value = await fn(trx, emit);
        open = false;
        await addToOutbox(trx, emitted, clock);
        return value;
      })
      .finally(() => (open = false));
    if (emitted.length > 0) relay?.wake();
    return result;
  };
  const run = async <T>(fn: (trx: Transaction<any>, emit: Emit) => Promise<T>): Promise<T> => {
    for (let n = 1; ; n++) {
      try {
        return await attempt(fn);
      } catch (error) {
        if (n >= contentionAttempts || !isContentionAbort(error)) throw error;
        // A moment, jittered, so the transaction that won finishes before this one starts again.
        await delay(5 * n + Math.random() * 10);
      }
    }
  };
  const handleEachOnce: UnitOfWork['handleEachOnce'] = (consumer, envelopes, fn) =>
    run(async (trx, emit) => {
      const outcomes: Array<'handled' | 'duplicate'> = [];
      for (const envelope of envelopes) {
        const fresh = await markHandled(trx, consumer, envelope.id, clock);
        if (fresh) await fn(envelope, trx, emit);
        outcomes.push(fresh ? 'handled' : 'duplicate');
      }
      return outcomes;
    });
  return {
    run,
    handleEachOnce,
    handleOnce: async (consumer, envelope, fn) => (await handleEachOnce(consumer, [envelope], (_, trx, emit) => fn(trx, emit)))[0]!,
  };
}
