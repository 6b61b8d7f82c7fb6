import { defineService } from '@eventide/service-host';
import { itemEvents, reservationEvents } from '@gdmarket/contracts';
import { itemInfoRoutes, itemInfoView } from './adapters/item-info-view.ts';
import { itemPolicies } from './adapters/item-policies.ts';
import { itemRoutes } from './adapters/item-routes.ts';
import { itemMigrations } from './adapters/item-table.ts';

/**
 * The item service (8081): items, their availability following reservations, and the ItemInfo view.
 * `system` names its topics and consumer group (`<system>.item`); tests give a unique one so runs on a
 * shared Kafka never meet.
 */
export function defineItemService(system = 'gdmarket') {
  return defineService({
    system,
    service: 'item',
    port: 8081,
    contracts: [...itemEvents, ...reservationEvents],
    migrations: itemMigrations,
    policies: itemPolicies(system),
    projections: [itemInfoView(system)],
    routes(app, context) {
      itemRoutes(app, context);
      itemInfoRoutes(app, context);
    },
  });
}

export const itemService = defineItemService();
