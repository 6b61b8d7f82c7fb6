import type { Clock } from '@eventide/core';

/** A clock that moves only when told to, so rules about time are tested without waiting. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(milliseconds: number): void {
    this.#now += milliseconds;
  }

  set(to: Date | string): void {
    this.#now = new Date(to).getTime();
  }
}
