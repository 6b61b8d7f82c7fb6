import type { Envelope } from '@eventide/core';
import type { Message as KafkaMessage, MessageToProduce } from '@platformatic/kafka';
import type { Delivery, Message } from '@eventide/messaging';

/**
 * How a port message sits in a Kafka record: key = the message key (the aggregate id, so the
 * partitioner keeps one aggregate's events on one partition), value = the envelope as UTF-8 JSON,
 * headers = the message headers as UTF-8 strings. Any Kafka client can read it.
 */
export type Record = KafkaMessage<string, Buffer, string, string>;
export type RecordToProduce = MessageToProduce<string, Buffer, string, string>;

export interface EncodedRecord {
  readonly record: RecordToProduce;
  /** Approximate size on the wire, to keep one produce request under the broker's batch limit. */
  readonly bytes: number;
}

export function encode(message: Message): EncodedRecord {
  const value = Buffer.from(JSON.stringify(message.envelope), 'utf8');
  let bytes = value.length + Buffer.byteLength(message.key);
  for (const [name, text] of Object.entries(message.headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(text);
  const record: RecordToProduce = message.headers
    ? { topic: message.topic, key: message.key, value, headers: message.headers }
    : { topic: message.topic, key: message.key, value };
  return { record, bytes };
}

/** Throws when the value is not a JSON envelope: only a foreign producer writes such a record. */
export function decode(record: Record): Delivery {
  const envelope = JSON.parse(record.value.toString('utf8')) as Envelope;
  const base = { topic: record.topic, key: record.key, envelope, partition: record.partition, offset: String(record.offset) };
  return record.headerEntries.length > 0 ? { ...base, headers: Object.fromEntries(record.headerEntries) } : base;
}
