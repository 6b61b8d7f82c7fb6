import type { Message, Publisher } from '@eventide/messaging';

export interface SharedLog {
  inFlight: number;
  maxInFlight: number;
  readonly log: Message[];
}

/** A Publisher that keeps what it was given; it can be told to fail or to hold calls open. */
export class RecordingPublisher implements Publisher {
  readonly published: Message[] = [];
  /** Number of publish calls, failed ones included. */
  calls = 0;
  #failuresLeft = 0;
  #gate: Promise<void> | undefined;
  /** Shared by publishers standing for one bus: calls in flight, the most ever at once, and everything published, in order. */
  readonly #shared: SharedLog;

  constructor(shared: SharedLog = { inFlight: 0, maxInFlight: 0, log: [] }) {
    this.#shared = shared;
  }

  /** The next `count` calls reject, as a bus that is down would. */
  failNext(count: number): void {
    this.#failuresLeft = count;
  }

  /** Calls wait for `gate` before they are acknowledged. */
  holdUntil(gate: Promise<void> | undefined): void {
    this.#gate = gate;
  }

  get ids(): string[] {
    return this.published.map((message) => message.envelope.id);
  }

  async publish(messages: readonly Message[]): Promise<void> {
    this.calls += 1;
    this.#shared.inFlight += 1;
    this.#shared.maxInFlight = Math.max(this.#shared.maxInFlight, this.#shared.inFlight);
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await this.#gate;
      if (this.#failuresLeft > 0) {
        this.#failuresLeft -= 1;
        throw new Error('the bus is down');
      }
      this.published.push(...messages);
      this.#shared.log.push(...messages);
    } finally {
      this.#shared.inFlight -= 1;
    }
  }
}
