import { defineService } from '@eventide/service-host';
import { logisticsEvents, orderEvents, posEvents, stationEvents } from '@gasstation/contracts';
import { salesSummaryRoutes, salesSummaryView } from './adapters/sales-summary-view.ts';
import { stationPolicies } from './adapters/station-policies.ts';
import { stationRoutes } from './adapters/station-routes.ts';
import { rebuildStockSummaries, stationMigrations } from './adapters/station-tables.ts';

/**
 * The station service (8082, 점포 BOS): stock flows (receipts scheduled on Shipped and confirmed,
 * sales' outcomes, cancelled sales' returns) with the StockSummary kept inline, the product master
 * following the head office, and the SalesSummary view. `system` names its topics and consumer
 * group (`<system>.station`); tests give a unique one so runs on a shared Kafka never meet.
 */
export function defineStationService(system = 'gasstation') {
  return defineService({
    system,
    service: 'station',
    port: 8082,
    contracts: [...stationEvents, ...orderEvents, ...logisticsEvents, ...posEvents],
    migrations: stationMigrations,
    policies: stationPolicies(system),
    projections: [salesSummaryView(system)],
    readModels: [{ name: 'stockSummaries', rebuild: rebuildStockSummaries }],
    routes(app, context) {
      stationRoutes(app, context);
      salesSummaryRoutes(app, context);
    },
  });
}

export const stationService = defineStationService();
