import assert from 'node:assert/strict';
import { distributedSystem as distributed, embeddedSystem as embedded } from '@eventide/service-host/testing';
export { client } from '@eventide/service-host/testing';

const services = ['item', 'reservation', 'payment'] as const;

/**
 * How the system test runs GDmarket: embedded (a SQLite file per service and the embedded bus) or
 * distributed (item and reservation on PostgreSQL, each its own database; payment on MariaDB;
 * ItemInfo on Redis; Kafka).
 */
export const embeddedSystem = embedded('gdmarket', services);
export const distributedSystem = await distributed('gdmarket', {
  item: { store: 'postgres', redis: true },
  reservation: { store: 'postgres' },
  payment: { store: 'mariadb' },
});
export type { SystemSetup } from '@eventide/service-host/testing';

export function assertStatus(response: { status: number; body: unknown }, status: number): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
}
