/** Time is an input (STYLE.md rule 4): everything that reads the time takes a Clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
