import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
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

export function defineEvent<S extends TSchema>(type: string, schema: S, version = 1): EventContract<S> {
  const compiled = Compile(schema);
  return {
    type,
    version,
    schema,
    check: (payload) =>
      compiled.Check(payload)
        ? []
        : compiled.Errors(payload).map((e) => ({ field: e.instancePath || '/', rule: e.message })),
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
