// The same gateway core behind a Fastify server instead of node:http, for the benchmark's
// comparison only: bodies are left unparsed and every request is handed to the core's listener.
import Fastify from 'fastify';
import { createCore } from '../src/core.ts';
import type { GatewayOptions } from '../src/options.ts';

export async function startFastifyGateway(options: GatewayOptions): Promise<{ url: string; close(): Promise<void> }> {
  const core = await createCore(options);
  const app = Fastify({ logger: false, keepAliveTimeout: 72_000 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.all('/*', (request, reply) => {
    reply.hijack();
    core.listener(request.raw, reply.raw);
  });
  const url = await app.listen({ port: core.tuning.port, host: core.tuning.host });
  return {
    url,
    async close() {
      core.drain();
      await app.close();
      await core.close();
    },
  };
}
