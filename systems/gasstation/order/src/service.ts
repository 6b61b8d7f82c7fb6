import { defineService } from '@eventide/service-host';
import { logisticsEvents, orderEvents, stationEvents } from '@gasstation/contracts';
import { seedProductMaster } from './application/products.ts';
import { orderMigrations, productRepository } from './adapters/order-tables.ts';
import { orderRoutes } from './adapters/order-routes.ts';
import { orderStatusRoutes, orderStatusView } from './adapters/order-status-view.ts';
import { productRoutes } from './adapters/product-routes.ts';
import { stationConfig } from './adapters/station-identity.ts';

/** The cause of the seeding command, for the causationId of the ProductChanged events it emits. */
const seeding = { id: 'seed-product-master' };

/**
 * The order service (8083): the head office's product master, orders placed for the station, and
 * the OrderStatus view that follows each order through logistics and the station. `system` names
 * its topics and consumer group (`<system>.order`); tests give a unique one so runs on a shared
 * Kafka never meet.
 */
export function defineOrderService(system = 'gasstation') {
  return defineService({
    system,
    service: 'order',
    port: 8083,
    config: stationConfig,
    contracts: [...orderEvents, ...logisticsEvents, ...stationEvents],
    migrations: orderMigrations,
    projections: [orderStatusView(system)],
    async onStart(context) {
      // The master is complete before the service first answers or consumes.
      await context.command(seeding, (trx, emit) => seedProductMaster({ products: productRepository(trx), emit }));
    },
    routes(app, context) {
      orderRoutes(app, context);
      productRoutes(app, context);
      orderStatusRoutes(app, context);
    },
  });
}

export const orderService = defineOrderService();
