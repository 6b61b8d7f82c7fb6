import { AppError } from './errors.ts';

/** The outcome of a decision: events, or a rejection naming the broken rule. Domains never throw for business rules. */
export type Decision<E> = { readonly ok: true; readonly events: readonly E[] } | { readonly ok: false; readonly rejection: Rejection };

export interface Rejection {
  readonly code: 'conflict' | 'validation' | 'not_found';
  readonly rule: string;
  /** The field whose value breaks a validation rule, as a JSON pointer (`/itemName`): the 400 names it. */
  readonly field?: string;
}

/** The error a rejection is at an edge: a 400 names the field as its violation, like a schema's. */
export const refused = ({ code, rule, field }: Rejection): AppError =>
  new AppError(code, rule, field === undefined ? {} : { violations: [{ field, rule }] });

export const accept = <E>(...events: E[]): Decision<E> => ({ ok: true, events });
export const reject = <E = never>(rule: string, code: Rejection['code'] = 'conflict'): Decision<E> => ({
  ok: false,
  rejection: { code, rule },
});
