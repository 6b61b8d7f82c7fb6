import { defineService } from '@eventide/service-host';
import { posEvents, stationEvents } from '@gasstation/contracts';
import { posPolicies } from './adapters/pos-policies.ts';
import { posRoutes } from './adapters/pos-routes.ts';
import { posMigrations } from './adapters/pos-tables.ts';
import { posConfig } from './adapters/station-client.ts';

/**
 * The POS service (8081, 판매): sales recorded together with their stock decrease at the station
 * (called synchronously at STATION_URL), cancellations the station compensates, and the product
 * menu following the station's master. `system` names its topics and consumer group
 * (`<system>.pos`); tests give a unique one so runs on a shared Kafka never meet.
 */
export function definePosService(system = 'gasstation') {
  return defineService({
    system,
    service: 'pos',
    port: 8081,
    config: posConfig,
    contracts: [...posEvents, ...stationEvents],
    migrations: posMigrations,
    policies: posPolicies(system),
    routes: posRoutes,
  });
}

export const posService = definePosService();
