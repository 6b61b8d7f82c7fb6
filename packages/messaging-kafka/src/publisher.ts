import type { Message, Publisher } from '@eventide/messaging';
import { encode, type EncodedRecord, type RecordToProduce } from './records.ts';

/** Sends records and resolves once the broker acknowledged all of them (acks from all in-sync replicas). */
export type SendRecords = (records: RecordToProduce[]) => Promise<void>;

/**
 * A produce request's payload stays under this, well below the broker's 1 MiB per partition batch
 * (message.max.bytes), whatever the spread of the records over partitions.
 */
const maxRequestBytes = 512 * 1024;

interface Call {
  remaining: number;
  failed: boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Queued extends EncodedRecord {
  readonly call: Call;
}

/**
 * Publishes through one produce request in flight at a time. Calls made while a request is in
 * flight queue up and leave together in the next one, in call order: so messages of one key are
 * stored in call order (the port's promise) even when calls overlap, and under load requests grow
 * into large batches by themselves, with no linger timer adding latency when the load is low.
 *
 * A call resolves when every one of its messages is acknowledged and rejects with the send's error
 * if any is not; its messages still queued are then dropped, and the caller republishes the call
 * (at-least-once). Calls queued behind it are sent as usual.
 */
export class BatchingPublisher implements Publisher {
  readonly #send: SendRecords;
  #queue: Queued[] = [];
  #sending = false;

  constructor(send: SendRecords) {
    this.#send = send;
  }

  async publish(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const call: Call = { remaining: messages.length, failed: false, resolve, reject };
    for (const message of messages) this.#queue.push({ ...encode(message), call });
    if (!this.#sending) void this.#drain();
    return promise;
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    while (this.#queue.length > 0) {
      const batch = this.#nextBatch();
      try {
        await this.#send(batch.map((queued) => queued.record));
      } catch (error) {
        this.#fail(batch, error);
        continue;
      }
      for (const { call } of batch) {
        call.remaining -= 1;
        if (call.remaining === 0 && !call.failed) call.resolve();
      }
    }
    this.#sending = false;
  }

  /** Takes records from the head of the queue up to the request size limit, at least one. */
  #nextBatch(): Queued[] {
    let bytes = 0;
    let count = 0;
    for (const queued of this.#queue) {
      if (count > 0 && bytes + queued.bytes > maxRequestBytes) break;
      bytes += queued.bytes;
      count += 1;
    }
    return this.#queue.splice(0, count);
  }

  #fail(batch: readonly Queued[], error: unknown): void {
    const failed = new Set(batch.map((queued) => queued.call));
    for (const call of failed) {
      if (call.failed) continue;
      call.failed = true;
      call.reject(error);
    }
    this.#queue = this.#queue.filter((queued) => !failed.has(queued.call));
  }
}
