/** The outcome of a decision: events, or a rejection naming the broken rule. Domains never throw for business rules. */
export type Decision<E> = { readonly ok: true; readonly events: readonly E[] } | { readonly ok: false; readonly rejection: Rejection };

export interface Rejection {
  readonly code: 'conflict' | 'validation' | 'not_found';
  readonly rule: string;
}

export const accept = <E>(...events: E[]): Decision<E> => ({ ok: true, events });
export const reject = <E = never>(rule: string, code: Rejection['code'] = 'conflict'): Decision<E> => ({
  ok: false,
  rejection: { code, rule },
});
