// Child process of the benchmark: a gateway (node:http or Fastify front) routing /items to the
// upstream given as argv[2]; its URL sent over IPC; exits when the parent goes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@eventide/testing';
import pino from 'pino';
import { startGateway } from '../src/index.ts';
import { startFastifyGateway } from './fastify-front.ts';

const [upstream, front = 'node', pipelining = '1'] = process.argv.slice(2);
if (upstream === undefined) throw new Error('usage: serve-gateway.ts <upstream-url> [node|fastify] [pipelining]');
const dir = tempDir('eventide-gateway-bench-');
const routesFile = join(dir.path, 'routes.json');
writeFileSync(routesFile, JSON.stringify({ routes: [{ prefix: '/items', service: 'bench/item' }], upstreams: { 'bench/item': [upstream] } }));
const options = { routesFile, port: 0, pipelining: Number(pipelining), logger: pino({ level: 'warn' }) };
const gateway = front === 'fastify' ? await startFastifyGateway(options) : await startGateway(options);
process.send?.({ url: gateway.url });
process.on('message', (message) => message === 'cpu' && process.send?.({ cpu: process.cpuUsage() }));
process.on('disconnect', () => void gateway.close().then(() => (dir.remove(), process.exit(0))));
