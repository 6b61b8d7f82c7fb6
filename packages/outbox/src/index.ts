export * from './tables.ts';
export * from './add-to-outbox.ts';
export * from './relay.ts';
export * from './unit-of-work.ts';
export * from './handle-once.ts';
export { Lease } from './lease.ts';
