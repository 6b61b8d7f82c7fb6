import { eventsOf } from '@eventide/core';

export type { Emitted, EventOf } from '@eventide/core';

/** Declares the contract of `gdmarket.<name>`. */
export const gdmarketEvent = eventsOf('gdmarket');
