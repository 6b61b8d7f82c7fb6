import { randomUUID } from 'node:crypto';
import formBody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { Logger } from 'pino';
import type { App } from './definition.ts';
import type { ServiceMetrics } from './metrics.ts';
import { sendProblem } from './problem.ts';
import { buildValidator } from './validation.ts';

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
    // Ajv with checks on what its type coercion lets through (validation.ts).
    schemaController: { compilersFactory: { buildValidator: buildValidator() } },
    childLoggerFactory: (parent, bindings, options, raw) => {
      const correlationId = (raw as { headers?: Record<string, unknown> }).headers?.[correlationHeader];
      return parent.child(typeof correlationId === 'string' ? { ...bindings, correlationId } : bindings, options);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The originals' @RequestParam endpoints take form bodies (`http -f`); see formParameters.
  void app.register(formBody);
  // Bodies are JSON or forms. Fastify's text/plain parser would hand a schema a string (a 400 saying
  // "/ must be object"); without it, text/plain is a 415 naming the media type, like any other.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  // Fastify answers 404 for a path that exists under other methods; HTTP says 405 with Allow. Its
  // router is not public, so a second one (the same library) learns every route, to say which.
  const methodsOf = FindMyWay<never>();
  const methods = new Set<HTTPMethod>();
  app.addHook('onRoute', ({ method, url }) => {
    for (const one of [method].flat() as HTTPMethod[]) {
      methods.add(one);
      methodsOf.on(one, url, () => undefined);
    }
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = [...methods].sort().filter((m) => methodsOf.find(m, path) !== null);
    if (allowed.length > 0) {
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .type('application/problem+json')
        .send({ type: 'about:blank', title: 'Method Not Allowed', status: 405, detail: `${request.method} is not allowed on ${path}; it takes ${allowed.join(', ')}` });
    }
    return reply
      .status(404)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: 'Not Found', status: 404, detail: `no route for ${request.method} ${request.url}` });
  });

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
