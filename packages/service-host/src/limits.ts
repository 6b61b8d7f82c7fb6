/**
 * A test of the HTTP contract at the edges of every input: each operation a running service
 * documents at `GET /docs` (its OpenAPI document, generated from the route schemas) is asked with
 * each parameter and each top-level body property in turn at and past the limits its schema
 * states, the others left at a valid value, and with bodies that are not objects at all. A valid
 * extreme must pass every layer below the schema (a string at its longest in 4-byte characters
 * must fit the column on MariaDB, a largest id must not overflow PostgreSQL's integer); a value
 * past a limit must be refused as a client error. Exported through `@eventide/service-host/testing`.
 */

interface Schema {
  readonly type?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly Schema[];
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
}

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly schema: Schema;
}

interface Operation {
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content?: Readonly<Record<string, { readonly schema: Schema }>> };
}

export interface LimitsOptions {
  /** Valid values for parameters and properties whose schema cannot tell one (a pattern, a format), by name. */
  readonly samples?: Readonly<Record<string, unknown>>;
}

/** An answer that breaks the contract: a 5xx other than a 503 with Retry-After, or an error that is not problem+json. */
export interface Breach {
  readonly request: string;
  readonly status: number;
  readonly body: string;
}

const fourByteCharacter = '😀';

/** The values a schema allows, in order of preference for "valid", then those it refuses. */
function valuesOf(schema: Schema, sample: unknown): { valid: unknown[]; invalid: unknown[] } {
  const choices = schema.enum ?? (schema.const !== undefined ? [schema.const] : undefined) ?? schema.anyOf?.flatMap((s) => s.enum ?? (s.const !== undefined ? [s.const] : []));
  const ordinary = sample !== undefined ? [sample] : schema.default !== undefined ? [schema.default] : [];
  if (choices !== undefined && choices.length > 0) return { valid: [...ordinary, ...choices], invalid: ['NotOneOfThem', 1, null] };
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const { minimum, maximum } = schema;
      // An ordinary value (1, moved inside the bounds), then each bound.
      const typical = Math.min(Math.max(1, minimum ?? 1), maximum ?? Number.POSITIVE_INFINITY);
      const valid = [...ordinary, typical, ...[minimum, maximum].filter((bound) => bound !== undefined)];
      const invalid: unknown[] = ['x', null, true, [], {}];
      if (minimum !== undefined) invalid.push(minimum - 1);
      if (maximum !== undefined) invalid.push(maximum + 1, Number.MAX_SAFE_INTEGER * 1000);
      if (schema.type === 'integer') invalid.push(1.5);
      return { valid, invalid };
    }
    case 'string': {
      const lengths = [Math.max(schema.minLength ?? 1, 1), schema.maxLength ?? 300];
      const pattern = schema.pattern === undefined ? undefined : new RegExp(schema.pattern, 'u');
      // The shortest and the longest, in 4-byte characters where the pattern lets them through.
      const candidates = lengths.flatMap((n) => [fourByteCharacter, 'x', '1'].map((c) => c.repeat(n))).filter((v) => pattern?.test(v) ?? true);
      const valid = [...ordinary, ...lengths.flatMap((n) => candidates.find((v) => [...v].length === n) ?? [])];
      const invalid: unknown[] = [null, 1, [], {}];
      if (schema.maxLength !== undefined) invalid.push('x'.repeat(schema.maxLength + 1));
      if ((schema.minLength ?? 0) > 0) invalid.push('');
      return { valid, invalid };
    }
    case 'boolean':
      return { valid: [...ordinary, true, false], invalid: ['x', 2, null] };
    default:
      return { valid: ordinary, invalid: [] };
  }
}

interface Probe {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
  readonly raw?: string;
}

function probesOf(method: string, template: string, operation: Operation, samples: Readonly<Record<string, unknown>>): Probe[] {
  const parameters = (operation.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query');
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
  const properties = Object.entries(bodySchema?.properties ?? {});
  const validParameter = Object.fromEntries(parameters.map((p) => [p.name, valuesOf(p.schema, samples[p.name]).valid[0]]));
  const validBody = Object.fromEntries(
    properties.flatMap(([name, schema]) => {
      const valid = valuesOf(schema, samples[name]).valid;
      return valid.length > 0 && (bodySchema?.required?.includes(name) || samples[name] !== undefined) ? [[name, valid[0]]] : [];
    }),
  );
  const at = (values: Record<string, unknown>, body: unknown, raw?: string): Probe => {
    let path = template;
    const query: Record<string, unknown> = {};
    for (const p of parameters) {
      if (values[p.name] === undefined) continue;
      if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(String(values[p.name])));
      else query[p.name] = values[p.name];
    }
    return { method, path, query, body, ...(raw === undefined ? {} : { raw }) };
  };
  const probes: Probe[] = [at(validParameter, bodySchema ? validBody : undefined)];
  for (const p of parameters) {
    const { valid, invalid } = valuesOf(p.schema, samples[p.name]);
    for (const value of [...valid, ...invalid]) probes.push(at({ ...validParameter, [p.name]: value }, bodySchema ? validBody : undefined));
  }
  if (bodySchema) {
    for (const [name, schema] of properties) {
      const { valid, invalid } = valuesOf(schema, samples[name]);
      for (const value of [...valid, ...invalid]) probes.push(at(validParameter, { ...validBody, [name]: value }));
    }
    for (const raw of ['', '{', 'null', '[]', '"x"', '1', '{"__proto__":{"polluted":1}}']) probes.push(at(validParameter, undefined, raw));
  }
  return probes;
}

async function ask(base: string, probe: Probe): Promise<{ request: string; response: Response; text: string }> {
  const url = new URL(probe.path, base);
  for (const [name, value] of Object.entries(probe.query)) url.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  const body = probe.raw ?? (probe.body === undefined ? undefined : JSON.stringify(probe.body));
  const response = await fetch(url, { method: probe.method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body });
  const request = Array.from(`${probe.method} ${url.pathname}${url.search} ${body ?? ''}`).slice(0, 200).join('');
  return { request, response, text: await response.text() };
}

/** Asks every documented operation of the service at `base` at and past its limits; resolves with the answers that break the contract. */
export async function probeLimits(base: string, options: LimitsOptions = {}): Promise<{ asked: number; breaches: Breach[] }> {
  const document = (await (await fetch(new URL('/docs', base))).json()) as { paths: Record<string, Record<string, Operation>> };
  const breaches: Breach[] = [];
  let asked = 0;
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const probe of probesOf(method.toUpperCase(), template, operation, options.samples ?? {})) {
        const { request, response, text } = await ask(base, probe);
        asked += 1;
        const { status } = response;
        const unavailable = status === 503 && response.headers.get('retry-after') !== null;
        const problem = /^application\/problem\+json/.test(response.headers.get('content-type') ?? '');
        if ((status >= 500 && !unavailable) || (status >= 400 && !problem)) breaches.push({ request, status, body: text.slice(0, 300) });
      }
    }
  }
  return { asked, breaches };
}
