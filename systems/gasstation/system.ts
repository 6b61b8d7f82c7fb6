import { defineSystem } from '@eventide/service-host';

/**
 * The gas station (주유소 판매/물류): head-office orders shipped to a station, the product master
 * propagated to its POS, sales with their stock and sales summaries, and the commission settled for
 * a directly managed station. Ports and routes as in the seed (spec E.1, E.3, E.10.9).
 */
export default defineSystem({
  name: 'gasstation',
  title: 'Gas station: orders, logistics, station stock, POS sales, commission',
  gatewayPort: 8088,
  services: [
    { name: 'pos', port: 8081, main: 'pos/src/main.ts', routes: ['/sales', '/productMenus', '/cancelSales'], calls: { STATION_URL: 'station' } },
    {
      name: 'station',
      port: 8082,
      main: 'station/src/main.ts',
      routes: ['/stocks', '/stockFlows', '/accounts', '/productMasters', '/stockSummaries', '/salesSummaries'],
    },
    { name: 'order', port: 8083, main: 'order/src/main.ts', routes: ['/orders', '/products', '/product', '/orderStatuses'] },
    { name: 'logistics', port: 8084, main: 'logistics/src/main.ts', routes: ['/shipments'] },
    { name: 'commission', port: 8085, main: 'commission/src/main.ts', routes: ['/commissions'] },
  ],
  // Reads for any signed-in caller; each write to the role that owns it (issue 5).
  access: [
    { methods: ['GET'], path: '/**', roles: 'any' },
    ...['/orders', '/products', '/product', '/shipments', '/orderStatuses', '/commissions'].map((path) => ({ methods: ['*'], path: `${path}/**`, roles: ['head-office'] })),
    ...['/stocks', '/stockFlows', '/productMasters', '/stockSummaries', '/salesSummaries', '/accounts'].map((path) => ({ methods: ['*'], path: `${path}/**`, roles: ['station-manager'] })),
    ...['/sales', '/cancelSales', '/productMenus'].map((path) => ({ methods: ['*'], path: `${path}/**`, roles: ['pos'] })),
  ],
});
