import Type, { type Static, type TProperties, type TSchema } from 'typebox';
// typebox/schema's validator, not typebox/compile's: the same checks and errors (typebox/compile
// wraps it), without the Value operations (decode, clean, convert...) it loads 300-odd modules for.
import { Compile } from 'typebox/schema';
import type { DomainEvent } from './envelope.ts';
import type { Violation } from './errors.ts';

/**
 * An event's published contract: its namespaced type, schema version and payload schema.
 * Systems declare these in `contracts/`; the platform validates payloads at publish and at consume.
 */
export interface EventContract<S extends TSchema = TSchema> {
  readonly type: string;
  readonly version: number;
  readonly schema: S;
  /** Violations of the schema by `payload`; empty when it conforms. */
  check(payload: unknown): readonly Violation[];
}

export type PayloadOf<C> = C extends EventContract<infer S> ? Static<S> : never;

/** An event of contract C as a consumer sees it, once the platform has checked its payload. */
export interface EventOf<C extends { readonly type: string; readonly schema: TSchema }> {
  readonly type: C['type'];
  readonly payload: Static<C['schema']>;
}

/** An event of contract C as a domain returns it, for the outbox. */
export type Emitted<C extends { readonly type: string; readonly schema: TSchema }> = DomainEvent<Static<C['schema']>> & EventOf<C>;

/**
 * The contract declarer of one system: `eventsOf('gdmarket')('Reserved', schema)` declares
 * `gdmarket.Reserved`. Names keep the seed's spelling (it was the original's discriminator), and the
 * literal type is kept so events can be told apart by `type`.
 */
export function eventsOf<const System extends string>(system: System) {
  return <const N extends string, S extends TSchema>(name: N, schema: S, version = 1) => {
    const type = `${system}.${name}` as const;
    return { ...defineEvent(type, schema, version), type };
  };
}

export function defineEvent<S extends TSchema>(type: string, schema: S, version = 1): EventContract<S> {
  const compiled = Compile(schema);
  return {
    type,
    version,
    schema,
    check: (payload) =>
      compiled.Check(payload)
        ? []
        : compiled.Errors(payload)[1].map((e) => ({ field: e.instancePath || '/', rule: e.message })),
  };
}

/** The contracts a service knows, looked up by type. An unknown type is not an error: it is someone else's event. */
export class ContractRegistry {
  readonly #byType = new Map<string, EventContract>();

  constructor(contracts: Iterable<EventContract> = []) {
    for (const contract of contracts) this.add(contract);
  }

  add(contract: EventContract): this {
    if (this.#byType.has(contract.type)) throw new Error(`event contract ${contract.type} is declared twice`);
    this.#byType.set(contract.type, contract);
    return this;
  }

  get(type: string): EventContract | undefined {
    return this.#byType.get(type);
  }

  get all(): readonly EventContract[] {
    return [...this.#byType.values()];
  }
}

/** An object schema that names every field it allows: unknown fields are a breach, not noise. */
export const strictObject = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false });
