export { startGateway, type RunningGateway } from './gateway.ts';
export { OptionsError, type GatewayOptions } from './options.ts';
export { RoutesError, routingTable, type Route, type RoutesDocument, type RoutingTable } from './routes.ts';
export type { Guard, GuardRequest, Verdict } from './guard.ts';
export { createAuthGuard, identityHeaders, type AuthGuardOptions } from './auth-guard.ts';
export type { AccessRuleDocument, RateLimit } from './access.ts';
export type { Caller, TokenOptions } from './tokens.ts';
