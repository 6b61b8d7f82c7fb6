import { AppError, type ContractRegistry, type Envelope } from '@eventide/core';
import type { Middleware } from './middleware.ts';

/**
 * Checks the payload of a known event type against its contract before the handler sees it. A
 * breach is a 'validation' AppError, which is never retried (the same bytes fail the same way),
 * so the pipeline dead-letters it at once. Unknown types pass: they are someone else's events.
 */
export function validatePayload(contracts: ContractRegistry): Middleware {
  return (next) => async (delivery) => {
    const { type } = delivery.envelope;
    const violations = contractViolations(contracts, delivery.envelope);
    if (violations.length > 0) {
      const broken = violations.map((v) => `${v.field} ${v.rule}`).join('; ');
      throw new AppError('validation', `payload of ${type} breaks its contract: ${broken}`, { violations });
    }
    await next(delivery);
  };
}

/** How the payload of `envelope` breaks its type's contract; none for a type the registry does not know. */
export function contractViolations(contracts: ContractRegistry, { type, payload }: Pick<Envelope, 'type' | 'payload'>) {
  return contracts.get(type)?.check(payload) ?? [];
}
