export { startGateway, type RunningGateway } from './gateway.ts';
export { OptionsError, type GatewayOptions } from './options.ts';
export { RoutesError, routingTable, type Route, type RoutesDocument, type RoutingTable } from './routes.ts';
export type { Guard, GuardRequest, Verdict } from './guard.ts';
