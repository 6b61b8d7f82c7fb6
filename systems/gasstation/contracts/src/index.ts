import { logisticsEvents, orderEvents, posEvents, stationEvents } from './events.ts';

export * from './fields.ts';
export * from './events.ts';
export * from './stock-api.ts';
export * from './topics.ts';

/** The events each service publishes, on its topic `gasstation.<service>` (docs/asyncapi/gasstation.json is made from it). */
export const producers = { order: orderEvents, logistics: logisticsEvents, station: stationEvents, pos: posEvents } as const;

/** Every gas station event contract, for a service's ContractRegistry. */
export const gasstationEvents = [...orderEvents, ...logisticsEvents, ...stationEvents, ...posEvents] as const;
export type { Emitted, EventOf } from '@eventide/core';
