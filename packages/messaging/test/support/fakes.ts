import { envelop, systemClock } from '@eventide/core';
import type { Delivery, Message, Publisher } from '../../src/port.ts';
import type { PipelineLogger } from '../../src/pipeline/logger.ts';

export function delivery(type = 'test.Happened', payload: unknown = { n: 1 }): Delivery {
  const envelope = envelop({ type, aggregateType: 'Thing', aggregateId: 'thing-1', payload }, { clock: systemClock });
  return { topic: 'test.things', partition: 2, offset: '41', key: 'thing-1', envelope, headers: { 'x-origin': 'test' } };
}

/** A publisher that keeps what it is given, or fails when told to. */
export class RecordingPublisher implements Publisher {
  readonly published: Message[] = [];
  failWith: Error | undefined;

  async publish(messages: readonly Message[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.published.push(...messages);
  }
}

export class RecordingLogger implements PipelineLogger {
  readonly lines: Array<{ level: 'warn' | 'error'; obj: object; msg: string }> = [];

  warn(obj: object, msg: string): void {
    this.lines.push({ level: 'warn', obj, msg });
  }

  error(obj: object, msg: string): void {
    this.lines.push({ level: 'error', obj, msg });
  }
}

/** A sleep that returns at once and remembers each requested delay; it honours an aborted signal like the real one. */
export function recordingSleep(): { sleep: (ms: number, signal?: AbortSignal) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      delays.push(ms);
    },
  };
}

/** A handler that fails its first `failures` calls with `error`, then succeeds; counts calls. */
export function flakyHandler(failures: number, error: unknown = new Error('boom')): { handle: (d: Delivery) => Promise<void>; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    handle: async () => {
      calls += 1;
      if (calls <= failures) throw error;
    },
  };
}
