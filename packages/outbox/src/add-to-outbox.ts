import type { Kysely } from 'kysely';
import { systemClock } from '@eventide/core';
import type { Clock } from '@eventide/core';
import type { Message } from '@eventide/messaging';
import { runCompiledOnce } from '@eventide/store';
import { platformDb } from './tables.ts';

/**
 * Writes `messages` to the outbox inside the caller's transaction `trx`: they exist exactly when
 * the change that produced them commits. This is the only way anything is published; the relay
 * reads them from there, in this order.
 */
export async function addToOutbox(trx: Kysely<any>, messages: readonly Message[], clock: Clock = systemClock): Promise<void> {
  if (messages.length === 0) return;
  const createdAt = clock.now().getTime();
  const rows = messages.map((message) => ({
    message_id: message.envelope.id,
    topic: message.topic,
    message_key: message.key,
    envelope: JSON.stringify(message.envelope),
    headers: message.headers === undefined ? null : JSON.stringify(message.headers),
    created_at: createdAt,
  }));
  await runCompiledOnce(trx, `insert ${rows.length} into outbox`, rows.flatMap((row) => Object.values(row)), () => platformDb(trx).insertInto('outbox').values(rows));
}
