import { defineService } from '@eventide/service-host';
import { logisticsEvents, orderEvents } from '@gasstation/contracts';
import type { RandomSource } from './domain/shipment.ts';
import { logisticsPolicies } from './adapters/logistics-policies.ts';
import { shipmentRoutes } from './adapters/shipment-routes.ts';
import { logisticsMigrations } from './adapters/shipment-table.ts';

export interface LogisticsOptions {
  /** Draws the truck of each shipment (default Math.random); tests give a fixed one. */
  readonly random?: RandomSource;
}

/**
 * The logistics service (8084): a shipment for every order, announced with Shipped. `system` names
 * its topics and consumer group (`<system>.logistics`); tests give a unique one so runs on a shared
 * Kafka never meet.
 */
export function defineLogisticsService(system = 'gasstation', { random = Math.random }: LogisticsOptions = {}) {
  return defineService({
    system,
    service: 'logistics',
    port: 8084,
    contracts: [...logisticsEvents, ...orderEvents],
    migrations: logisticsMigrations,
    policies: logisticsPolicies(system, random),
    routes: shipmentRoutes,
  });
}

export const logisticsService = defineLogisticsService();
