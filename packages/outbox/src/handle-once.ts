import type { Kysely, Transaction } from 'kysely';
import { systemClock } from '@eventide/core';
import type { Clock, Envelope } from '@eventide/core';
import { insertIgnore } from '@eventide/store';
import type { Store } from '@eventide/store';

/**
 * Records that `consumer` handled message `messageId`, inside the handler's transaction `trx`;
 * resolves false when it already had (the inbox's primary key decides, also between replicas
 * handling the same redelivered message at once: the second waits for the first and finds its row).
 */
export function markHandled(trx: Kysely<any>, consumer: string, messageId: string, clock: Clock = systemClock): Promise<boolean> {
  return insertIgnore(trx, 'inbox', { consumer, message_id: messageId, handled_at: clock.now().getTime() }, ['consumer', 'message_id']);
}

/**
 * Runs the handler `fn` for `envelope` at most once per consumer: its effects and the inbox record
 * commit in one transaction, so a redelivered envelope is a no-op ('duplicate') and a handler that
 * fails leaves no record (the message is handled again on redelivery).
 */
export function handleOnce(
  store: Store,
  consumer: string,
  envelope: Pick<Envelope, 'id'>,
  fn: (trx: Transaction<any>) => Promise<void>,
  clock: Clock = systemClock,
): Promise<'handled' | 'duplicate'> {
  return store.transaction(async (trx) => {
    if (!(await markHandled(trx, consumer, envelope.id, clock))) return 'duplicate';
    await fn(trx);
    return 'handled';
  });
}
