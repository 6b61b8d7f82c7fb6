import { defineService } from '@eventide/service-host';
import { posEvents } from '@gasstation/contracts';
import { commissionConfig, ledgerSettings } from './adapters/commission-config.ts';
import { commissionRoutes, commissionView } from './adapters/commission-view.ts';

/**
 * The commission service (8085, 위탁수수료 정산): what a directly managed station owes its operator,
 * per business day, from POS's sales. It only subscribes: no other service calls it or knows it.
 * `system` names the topics it reads and its consumer group (`<system>.commission`); tests give a
 * unique one so runs on a shared Kafka never meet.
 */
export function defineCommissionService(system = 'gasstation') {
  return defineService<(typeof commissionConfig)['properties']>({
    system,
    service: 'commission',
    port: 8085,
    config: commissionConfig,
    contracts: [...posEvents],
    projections: (config) => [commissionView(system, ledgerSettings(config))],
    routes: commissionRoutes,
  });
}

export const commissionService = defineCommissionService();
