import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startService, type RunningService, type ServiceDefinition } from '@eventide/service-host';
import { client, distributedSystem, embeddedSystem, probeLimits, type SystemSetup } from '@eventide/service-host/testing';
import { defineCommissionService } from '../commission/src/service.ts';
import { defineLogisticsService } from '../logistics/src/service.ts';
import { defineOrderService } from '../order/src/service.ts';
import { definePosService } from '../pos/src/service.ts';
import { defineStationService } from '../station/src/service.ts';
import { seedDemonstration, services, type Service } from './seed-demonstration.ts';

const definitions: Record<Service, (system: string) => ServiceDefinition<any>> = {
  pos: definePosService,
  station: defineStationService,
  order: defineOrderService,
  logistics: defineLogisticsService,
  commission: defineCommissionService,
};

/**
 * The seed's demonstration against the five services in this process, straight to each one, on
 * the embedded default and distributed: POS and Logistics on PostgreSQL, Order on PostgreSQL with
 * OrderStatus on Redis, Station on MariaDB, Commission on PostgreSQL; Kafka between them.
 */
const withoutCommission = services.filter((s) => s !== 'commission');

for (const [mode, present] of [
  [embeddedSystem('gasstation', services), services],
  // The open architecture: the system without the commission service behaves the same.
  [embeddedSystem('gasstation', services), withoutCommission],
  [
    await distributedSystem('gasstation', {
      pos: { store: 'postgres' },
      station: { store: 'mariadb' },
      order: { store: 'postgres', redis: true },
      logistics: { store: 'postgres' },
      commission: { store: 'postgres' },
    }),
    services,
  ],
] as const) {
  describe(`${mode.tag}gas station seed demonstration, each service straight, ${present.length === services.length ? 'all five' : 'without commission'}`, mode.options, () => {
    let setup: SystemSetup<Service>;
    const running = new Map<Service, RunningService>();
    const ports = new Map<Service, string>();
    const url = (service: Service) => () => running.get(service)?.url ?? `http://127.0.0.1:${ports.get(service)}`;
    const extra: Partial<Record<Service, Record<string, string>>> = {
      order: { STATION_CODE: 'ST0001', STATION_NAME: 'SK Imme' },
      pos: { STATION_HALF_OPEN_AFTER_MS: '200', STATION_TIMEOUT_MS: '1000' },
    };

    /** Starts `service` on the port it had before, so those calling it find it again. */
    async function start(service: Service) {
      const env = { ...setup.env[service], ...extra[service], PORT: ports.get(service) ?? '0' };
      if (service === 'pos') Object.assign(env, { STATION_URL: url('station')() });
      const started = await startService(definitions[service](setup.system), { env });
      running.set(service, started);
      ports.set(service, new URL(started.url).port);
    }
    async function stop(service: Service) {
      await running.get(service)?.close();
      running.delete(service);
    }

    before(async () => {
      setup = await mode.prepare();
      await start('station');
      for (const service of present) if (service !== 'station') await start(service);
    });
    after(async () => {
      await Promise.all([...running.keys()].map(stop));
      await setup?.cleanup();
    });

    it('runs spec E.8 steps 0 to 7', async () => {
      const call = Object.fromEntries(services.map((s) => [s, client(url(s))])) as Record<Service, ReturnType<typeof client>>;
      await seedDemonstration({ call, commission: (present as readonly Service[]).includes('commission'), within: mode.within, stop, start }, 'SK Imme, ST0001');
    });

    it('answers every documented operation of each service at and past its schema\'s limits with a client error or a success, never a 5xx', async () => {
      for (const [service, started] of running) {
        const { asked, breaches } = await probeLimits(started.url, { samples: { productId: 'CD1001', stationCode: 'ST0001', date: '2026-12-07' } });
        assert.ok(asked > 20, `${service}: only ${asked} requests`);
        assert.deepEqual(breaches, [], service);
      }
    });
  });
}
