import { AjvCompiler } from '@fastify/ajv-compiler';

/**
 * Fastify's Ajv compiler, with the three checks Ajv's type coercion needs. Coercion is for text:
 * form values, query strings and path segments are strings, and httpie sends `itemPrice=100` as
 * one. But Ajv coerces more than that, and each of these reached a handler:
 *
 * - a JSON null or boolean where the schema wants another type (null → 0 or "", true → 1);
 * - a string JavaScript reads as a number but a person would not write as one ("0x10" → 16,
 *   " 5" → 5, "0b1" → 1): `/reservations/0x10` answered reservation 16;
 * - a numeral too large to be finite ("1e400" → Infinity), for which Ajv then skips `maximum`.
 *
 * They are checked here, per field, on every part Fastify validates (body, querystring, params),
 * so their 400s read as Ajv's own (`body is invalid: /qty must be number, written in decimal`).
 * No Ajv option coerces text only. The first two look at top-level fields, as the schemas of this
 * platform's routes are flat objects; the last at every number.
 */
interface Violation {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message: string;
  readonly params: Record<string, never>;
}

type Validate = ((data: unknown) => boolean) & { errors?: unknown };
type FieldSchemas = Record<string, { type?: unknown } | undefined>;

/** A decimal numeral, as Number() would read it and a person would write it (sign, point and exponent allowed). */
const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const violation = (pointer: string, message: string): Violation => ({ instancePath: pointer, keyword: 'type', message, params: {} });

/** Before coercion: the first field whose raw value Ajv would coerce though it is not of the field's type. */
function mistyped(data: Record<string, unknown>, properties: FieldSchemas): Violation | undefined {
  for (const key of Object.keys(data)) {
    const type = properties[key]?.type;
    if (typeof type !== 'string') continue;
    const value = data[key];
    if ((value === null && type !== 'null') || (typeof value === 'boolean' && type !== 'boolean')) return violation(`/${key}`, `must be ${type}`);
    if (typeof value === 'string' && (type === 'number' || type === 'integer') && !decimal.test(value)) {
      return violation(`/${key}`, `must be ${type}, written in decimal`);
    }
  }
  return undefined;
}

/** After coercion: the first number, at any depth, that became Infinity or NaN. */
function nonFinite(value: unknown, path: string): Violation | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : violation(path, 'must be a finite number');
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    const found = nonFinite((value as Record<string, unknown>)[key], `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

function checked(validate: Validate, schema: unknown): Validate {
  const properties = (schema as { properties?: FieldSchemas } | undefined)?.properties;
  if (properties === undefined) return validate;
  const wrapped: Validate = (data) => {
    const isObject = data !== null && typeof data === 'object' && !Array.isArray(data);
    const before = isObject ? mistyped(data as Record<string, unknown>, properties) : undefined;
    const valid = before === undefined && validate(data);
    const after = valid ? nonFinite(data, '') : undefined;
    wrapped.errors = before ? [before] : after ? [after] : validate.errors;
    return valid && after === undefined;
  };
  return wrapped;
}

/** For Fastify's `schemaController.compilersFactory.buildValidator`. */
export function buildValidator(): (...args: Parameters<ReturnType<typeof AjvCompiler>>) => ReturnType<ReturnType<typeof AjvCompiler>> {
  const build = AjvCompiler();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => checked(compile(route) as Validate, route.schema) as ReturnType<typeof compile>;
  };
}
