import type { EventContract } from './contract.ts';

/**
 * An AsyncAPI 3.0 document of a system's events, made from its contracts (DESIGN.md: "AsyncAPI
 * docs are generated from them"): one channel per producing service's topic (`<system>.<service>`),
 * one message per event type with the envelope every event travels in and the contract's payload
 * schema inside it, and the operation by which the service sends them. Consumers are not listed:
 * a subscriber declares its topics in code (policies, projections), not in the contracts.
 */
export interface AsyncApiInput {
  readonly system: string;
  readonly title: string;
  /** The event contracts each service publishes, by service name. */
  readonly producers: Readonly<Record<string, readonly EventContract[]>>;
}

/** The envelope's own fields (core's `Envelope`), as JSON Schema; `payload` is the contract's. */
const envelopeFields = {
  id: { type: 'string', format: 'uuid', description: 'unique per event; consumers deduplicate by it' },
  occurredAt: { type: 'string', format: 'date-time' },
  aggregateType: { type: 'string' },
  aggregateId: { type: 'string', description: 'also the message key: one aggregate, one partition, in order' },
  aggregateVersion: { type: 'integer' },
  correlationId: { type: 'string', description: 'the business key of the flow, e.g. a reservationNo' },
  causationId: { type: ['string', 'null'], description: 'the message or request that caused this one' },
  traceparent: { type: ['string', 'null'], description: 'W3C trace context' },
} as const;

const messageName = (type: string): string => type.slice(type.lastIndexOf('.') + 1);

export function asyncApiDocument({ system, title, producers }: AsyncApiInput): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const [service, contracts] of Object.entries(producers)) {
    const topic = `${system}.${service}`;
    const refs = Object.fromEntries(contracts.map((c) => [messageName(c.type), { $ref: `#/components/messages/${messageName(c.type)}` }]));
    channels[topic] = { address: topic, description: `events of ${system}'s ${service} service`, messages: refs };
    operations[`${service}Publishes`] = {
      action: 'send',
      channel: { $ref: `#/channels/${topic}` },
      messages: Object.keys(refs).map((name) => ({ $ref: `#/channels/${topic}/messages/${name}` })),
    };
    for (const contract of contracts) {
      messages[messageName(contract.type)] = {
        name: contract.type,
        contentType: 'application/json',
        payload: {
          type: 'object',
          required: ['id', 'type', 'version', 'occurredAt', 'aggregateType', 'aggregateId', 'aggregateVersion', 'correlationId', 'causationId', 'traceparent', 'payload'],
          properties: { type: { const: contract.type }, version: { const: contract.version }, ...envelopeFields, payload: contract.schema },
        },
      };
    }
  }
  return {
    asyncapi: '3.0.0',
    info: { title: `${title}: events`, version: '1', description: `Generated from ${system}'s contracts by \`npm run asyncapi\`; do not edit.` },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}
