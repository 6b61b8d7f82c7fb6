import { randomUUID } from 'node:crypto';
import formBody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { AppError } from '@eventide/core';
import type { App } from './definition.ts';
import type { ServiceMetrics } from './metrics.ts';
import { sendProblem } from './problem.ts';

export interface HttpOptions {
  readonly logger: Logger;
  readonly bodyLimit: number;
  readonly metrics: ServiceMetrics;
  /** Readiness: every check resolves, or the first failure's reason. */
  readonly ready: () => Promise<string | undefined>;
  readonly draining: () => boolean;
}

const correlationHeader = 'x-correlation-id';

/**
 * The HTTP edge every service shares: request and correlation ids, problem+json errors, probes,
 * metrics, and refusal of new requests while draining.
 */
export function createHttp({ logger, bodyLimit, metrics, ready, draining }: HttpOptions): App {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown body fields are refused (400 naming them) where a schema says additionalProperties: false,
    // instead of Fastify's default of silently dropping them.
    ajv: { customOptions: { removeAdditional: false } },
    childLoggerFactory: (parent, bindings, options, raw) => {
      const correlationId = (raw as { headers?: Record<string, unknown> }).headers?.[correlationHeader];
      return parent.child(typeof correlationId === 'string' ? { ...bindings, correlationId } : bindings, options);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The originals' @RequestParam endpoints take form bodies (`http -f`); see formParameters.
  void app.register(formBody);
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Not Found', status: 404, detail: `no route for ${request.method} ${request.url}` }),
  );

  app.addHook('onRequest', async (request, reply) => {
    const correlationId = request.headers[correlationHeader];
    void reply.header('x-request-id', request.id);
    if (typeof correlationId === 'string') void reply.header(correlationHeader, correlationId);
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      // Bodies are read as sent: a compressed one would reach the JSON parser as noise (a 400 about JSON).
      return reply
        .status(415)
        .type('application/problem+json')
        .send({ type: 'about:blank', title: 'Unsupported Media Type', status: 415, detail: `Content-Encoding ${encoding} is not supported; send the body uncompressed` });
    }
    if (draining() && !request.url.startsWith('/health/') && request.url !== '/metrics') {
      // Not processed: a gateway may safely send it to another replica.
      void reply.header('connection', 'close').header('retry-after', '1').header('x-draining', '1');
      return reply
        .status(503)
        .type('application/problem+json')
        .send({ type: 'urn:problem:draining', title: 'Service Unavailable', status: 503, detail: 'the service is shutting down' });
    }
  });
  // Ajv's coercion also turns null and booleans into numbers (null → 0, true → 1) and null into ""
  // or false. Coercion is for text (form values, httpie's `itemPrice=100`); a JSON null or boolean
  // where the schema wants another type is a wrong type, refused here, before validation coerces it.
  app.addHook('preValidation', async (request) => {
    const violation = nullOrBooleanMistyped(request.body, request.routeOptions.schema?.body);
    if (violation !== undefined) throw invalidPart('body', violation);
  });
  // Ajv coerces a numeric string to a number before its keywords run, and skips those keywords for a
  // number that is not finite: "1e400" became Infinity and passed `maximum` (and then broke an event
  // contract: a 500). JSON numbers never get here (Ajv's strict numbers refuse 1e400); coerced ones
  // are checked once validation is done.
  app.addHook('preHandler', async (request) => {
    for (const [part, value] of [['body', request.body], ['querystring', request.query], ['params', request.params]] as const) {
      const field = nonFiniteNumberIn(value, '');
      if (field !== undefined) throw invalidPart(part, { field, rule: 'must be a finite number' });
    }
  });
  // A keep-alive connection would otherwise hold the server open after its last response.
  app.addHook('onSend', async (_request, reply) => {
    if (draining()) void reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1_000,
    );
  });

  app.get('/health/live', async () => ({ status: 'UP' }));
  app.get('/health/ready', async (_request, reply) => {
    const reason = await ready();
    return reason === undefined ? { status: 'UP' } : reply.status(503).send({ status: 'DOWN', reason });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  return app;
}

/** A 400 worded as Fastify's own validation errors are (problem.ts): `<part> is invalid: <field> <rule>`. */
const invalidPart = (part: string, violation: { field: string; rule: string }): AppError =>
  new AppError('validation', `${part} is invalid: ${violation.field} ${violation.rule}`, { violations: [violation] });

/** The JSON pointer of the first number in `value` that is Infinity, -Infinity or NaN, if any. */
function nonFiniteNumberIn(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path || '/';
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = nonFiniteNumberIn(item, `${path}/${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The first top-level field of `body` that is null, or a boolean, where the object schema `schema`
 * wants a single other type (the bodies here are flat objects; a field whose schema admits several
 * types is left to the validator).
 */
function nullOrBooleanMistyped(body: unknown, schema: unknown): { field: string; rule: string } | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  if (properties === undefined) return undefined;
  for (const [key, value] of Object.entries(body)) {
    const type = properties[key]?.type;
    if (typeof type !== 'string') continue;
    if ((value === null && type !== 'null') || (typeof value === 'boolean' && type !== 'boolean')) return { field: `/${key}`, rule: `must be ${type}` };
  }
  return undefined;
}
