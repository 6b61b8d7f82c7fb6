import type { DeliveryHandler } from '../port.ts';

/** One concern around a handler (validation, retry, dead letters): it gets the next handler and returns a new one. */
export type Middleware = (next: DeliveryHandler) => DeliveryHandler;

/** `compose(a, b)(handler)` is `a(b(handler))`: the first step is the outermost. */
export const compose =
  (...steps: readonly Middleware[]) =>
  (handler: DeliveryHandler): DeliveryHandler =>
    steps.reduceRight<DeliveryHandler>((next, step) => step(next), handler);
