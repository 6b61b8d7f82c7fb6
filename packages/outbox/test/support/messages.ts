import { randomUUID } from 'node:crypto';
import { envelop, systemClock } from '@eventide/core';
import type { Message } from '@eventide/messaging';

/** An event on topic `topic` for aggregate `key`, with a fresh id. */
export function message(topic: string, key: string, payload: Readonly<Record<string, unknown>> = {}): Message {
  const envelope = envelop(
    { type: 'test.Happened', aggregateType: 'Thing', aggregateId: key, payload },
    { clock: systemClock, newId: randomUUID },
  );
  return { topic, key, envelope };
}
