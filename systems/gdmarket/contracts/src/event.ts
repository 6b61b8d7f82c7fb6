import { defineEvent, type DomainEvent } from '@eventide/core';
import type { Static, TSchema } from 'typebox';

/**
 * Declares the contract of `gdmarket.<name>`. The name keeps the seed's spelling (it was the
 * original's discriminator), and the literal type is kept so events can be told apart by `type`.
 */
export function gdmarketEvent<const N extends string, S extends TSchema>(name: N, schema: S, version = 1) {
  const type = `gdmarket.${name}` as const;
  return { ...defineEvent(type, schema, version), type };
}

interface Contract {
  readonly type: string;
  readonly schema: TSchema;
}

/** An event of contract C as a consumer sees it, once the platform has checked its payload. */
export interface EventOf<C extends Contract> {
  readonly type: C['type'];
  readonly payload: Static<C['schema']>;
}

/** An event of contract C as a domain returns it, for the outbox. */
export type Emitted<C extends Contract> = DomainEvent<Static<C['schema']>> & EventOf<C>;
