import { newId as timeOrderedId } from './id.ts';

/**
 * The one shape every message on every bus has (DESIGN.md section 4).
 * `type` is `<system>.<EventName>` and keeps the seed's spelling; `id` is the dedupe key.
 */
export interface Envelope<P = unknown> {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly aggregateVersion: number;
  /** The business key that ties a flow together, e.g. a reservationNo. */
  readonly correlationId: string;
  /** Id of the message or request that caused this one; null for a flow's first step. */
  readonly causationId: string | null;
  readonly traceparent: string | null;
  readonly payload: P;
}

/** What a domain or application layer says happened; the platform adds ids and timing. */
export interface DomainEvent<P = unknown> {
  readonly type: string;
  readonly version?: number;
  readonly aggregateType: string;
  readonly aggregateId: string | number;
  readonly aggregateVersion?: number;
  readonly correlationId?: string | number;
  readonly payload: P;
}

/** Where a new message comes from: the request or message being handled, if any. */
export interface Cause {
  readonly id: string;
  readonly correlationId?: string;
  readonly traceparent?: string | null;
}

export interface EnvelopeClock {
  now(): Date;
}

/** Wraps a domain event; the correlation id defaults to the cause's, then to the aggregate id. */
export function envelop<P>(
  event: DomainEvent<P>,
  options: { clock: EnvelopeClock; cause?: Cause; newId?: () => string },
): Envelope<P> {
  const { clock, cause, newId = timeOrderedId } = options;
  return {
    id: newId(),
    type: event.type,
    version: event.version ?? 1,
    occurredAt: clock.now().toISOString(),
    aggregateType: event.aggregateType,
    aggregateId: String(event.aggregateId),
    aggregateVersion: event.aggregateVersion ?? 0,
    correlationId: String(event.correlationId ?? cause?.correlationId ?? event.aggregateId),
    causationId: cause?.id ?? null,
    traceparent: cause?.traceparent ?? null,
    payload: event.payload,
  };
}
