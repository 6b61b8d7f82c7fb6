import { defineSystem } from '@eventide/service-host';

/** GDmarket (근대마켓): a short-distance rental market. Ports and routes as in the seed (spec D.1). */
export default defineSystem({
  name: 'gdmarket',
  title: 'GDmarket rental market: items, reservations, payments',
  gatewayPort: 8088,
  services: [
    { name: 'item', port: 8081, main: 'item/src/main.ts', routes: ['/items', '/itemInfoes'] },
    { name: 'reservation', port: 8082, main: 'reservation/src/main.ts', routes: ['/reservations'], calls: { PAYMENT_URL: 'payment' } },
    { name: 'payment', port: 8083, main: 'payment/src/main.ts', routes: ['/payments'] },
  ],
  // Reads for any signed-in caller; item managers register, lend, return and delete items; renters reserve, pay and cancel.
  access: [
    { methods: ['GET'], path: '/**', roles: 'any' },
    { methods: ['POST'], path: '/items', roles: ['item-manager'] },
    { methods: ['PATCH', 'DELETE'], path: '/items/*', roles: ['item-manager'] },
    { methods: ['POST'], path: '/reservations', roles: ['renter'] },
    { methods: ['PATCH', 'DELETE'], path: '/reservations/*', roles: ['renter'] },
    { methods: ['POST', 'DELETE'], path: '/payments', roles: ['renter'] },
    { methods: ['DELETE'], path: '/payments/*', roles: ['renter'] },
  ],
});
