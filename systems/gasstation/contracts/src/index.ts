import { logisticsEvents, orderEvents, posEvents, stationEvents } from './events.ts';

export * from './fields.ts';
export * from './events.ts';
export * from './stock-api.ts';
export * from './topics.ts';

/** Every gas station event contract, for a service's ContractRegistry. */
export const gasstationEvents = [...orderEvents, ...logisticsEvents, ...stationEvents, ...posEvents] as const;
export type { Emitted, EventOf } from '@eventide/core';
