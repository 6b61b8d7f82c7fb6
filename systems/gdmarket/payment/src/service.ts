import { defineService } from '@eventide/service-host';
import { paymentEvents } from '@gdmarket/contracts';
import { paymentRoutes } from './adapters/payment-routes.ts';
import { paymentMigrations } from './adapters/payment-table.ts';

/**
 * The payment service (8083): the third-party stand-in reservation calls synchronously. It
 * subscribes to nothing. `system` names its topic (`<system>.payment`); tests give a unique one.
 */
export function definePaymentService(system = 'gdmarket') {
  return defineService({
    system,
    service: 'payment',
    port: 8083,
    contracts: [...paymentEvents],
    migrations: paymentMigrations,
    routes: paymentRoutes,
  });
}

export const paymentService = definePaymentService();
