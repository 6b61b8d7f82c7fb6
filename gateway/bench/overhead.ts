// Gateway overhead: the same POST straight to a service and through the gateway, side by side.
//
//   npm exec -- node gateway/bench/overhead.ts [--duration 10] [--connections 50] [--rounds 1]
//       [--front node|fastify] [--pipelining 1] [--json]
//       [--direct URL --through URL]   measure running processes (e.g. the runner's) instead
//       [--path /items] [--body '{"itemName":"tent","itemPrice":3000}']
//
// Without --direct/--through it starts a fake service and a gateway in child processes and also
// reports the CPU time each spends per request, which other load on the machine skews far less
// than req/s. Load goes to 127.0.0.1 only, for a bounded time.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Result } from 'autocannon';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
    front: { type: 'string', default: 'node' },
    pipelining: { type: 'string', default: '1' },
    direct: { type: 'string' },
    through: { type: 'string' },
    path: { type: 'string', default: '/items' },
    body: { type: 'string', default: JSON.stringify({ itemName: 'tent', itemPrice: 3000, itemStatus: 'Rentable' }) },
    json: { type: 'boolean', default: false },
  },
});

const local = (url: string): string => {
  const { hostname } = new URL(url);
  if (hostname !== '127.0.0.1' && hostname !== 'localhost' && hostname !== '[::1]') throw new Error(`refusing to load ${url}: 127.0.0.1 only`);
  return url;
};

async function child(file: string, argv: string[]): Promise<{ process: ChildProcess; url: string }> {
  const process = fork(fileURLToPath(new URL(file, import.meta.url)), argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await once(process, 'message')) as [{ url: string }];
  return { process, url: message.url };
}

/** CPU microseconds (user + system) a child has used so far. */
async function cpuOf(process: ChildProcess): Promise<number> {
  process.send('cpu');
  const [message] = (await once(process, 'message')) as [{ cpu: NodeJS.CpuUsage }];
  return message.cpu.user + message.cpu.system;
}

interface Row {
  readonly target: string;
  readonly round: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  /** CPU µs per request in the service and in the gateway, when this benchmark started them. */
  readonly serviceCpuUsPerRequest?: number;
  readonly gatewayCpuUsPerRequest?: number;
}

async function load(url: string, seconds: number): Promise<Result> {
  return autocannon({
    url: url + args.path,
    connections: Number(args.connections),
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: args.body,
  });
}

async function measure(target: string, url: string, round: number, processes: { service?: ChildProcess; gateway?: ChildProcess }): Promise<Row> {
  if (Number(args.warmup) > 0) await load(url, Number(args.warmup));
  const before = { service: processes.service && (await cpuOf(processes.service)), gateway: processes.gateway && (await cpuOf(processes.gateway)) };
  const result = await load(url, Number(args.duration));
  const perRequest = async (process: ChildProcess | undefined, start: number | undefined) =>
    process === undefined || start === undefined ? undefined : ((await cpuOf(process)) - start) / result.requests.total;
  const serviceCpu = await perRequest(processes.service, before.service);
  const gatewayCpu = await perRequest(processes.gateway, before.gateway);
  return {
    target,
    round,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ...(serviceCpu !== undefined ? { serviceCpuUsPerRequest: Math.round(serviceCpu) } : {}),
    ...(gatewayCpu !== undefined ? { gatewayCpuUsPerRequest: Math.round(gatewayCpu) } : {}),
  };
}

const children: { service?: ChildProcess; gateway?: ChildProcess } = {};
let direct = args.direct;
let through = args.through;
if (direct === undefined || through === undefined) {
  const upstream = await child('./serve-upstream.ts', []);
  children.service = upstream.process;
  const gateway = await child('./serve-gateway.ts', [upstream.url, args.front, args.pipelining]);
  children.gateway = gateway.process;
  direct = upstream.url;
  through = gateway.url;
}

const rows: Row[] = [];
// Other work on the machine skews both columns; the load average says how much there was.
const loadBefore = loadavg()[0] as number;
try {
  for (let round = 1; round <= Number(args.rounds); round++) {
    rows.push(await measure('direct', local(direct), round, { service: children.service }));
    rows.push(await measure(`gateway (${args.front})`, local(through), round, children));
  }
} finally {
  children.service?.disconnect();
  children.gateway?.disconnect();
}

// Each round pairs two runs taken back to back; the median of the rounds' ratios resists a burst
// of other load better than a ratio of two bests.
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const pairs = rows.filter((r) => r.target === 'direct').map((d) => [d, rows.find((r) => r.round === d.round && r !== d) as Row] as const);
const ratio = median(pairs.map(([d, g]) => g.requestsPerSecond / d.requestsPerSecond));
const gatewayRequestsPerSecond = median(pairs.map(([, g]) => g.requestsPerSecond));
const gatewayP99 = median(pairs.map(([, g]) => g.p99Ms));
const bars = {
  'ratio >= 0.40': ratio >= 0.4,
  'gateway >= 2000 req/s': gatewayRequestsPerSecond >= 2_000,
  'gateway p99 < 50 ms': gatewayP99 < 50,
  'no errors': rows.every((r) => r.errors === 0 && r.non2xx === 0),
};
const loadAverage = { before: Number(loadBefore.toFixed(2)), after: Number((loadavg()[0] as number).toFixed(2)) };
const setup = { connections: Number(args.connections), durationSeconds: Number(args.duration), path: args.path, front: args.front, pipelining: Number(args.pipelining) };

if (args.json) {
  process.stdout.write(`${JSON.stringify({ setup, loadAverage, rows, ratio: Number(ratio.toFixed(3)), bars }, null, 2)}\n`);
} else {
  console.log(`POST ${args.path}, ${setup.connections} connections, ${setup.durationSeconds} s per run, 127.0.0.1; 1-min load average ${loadAverage.before} → ${loadAverage.after}`);
  console.table(
    rows.map((r) => ({
      target: r.target,
      round: r.round,
      'req/s': r.requestsPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      errors: r.errors,
      non2xx: r.non2xx,
      'service CPU µs/req': r.serviceCpuUsPerRequest ?? '',
      'gateway CPU µs/req': r.gatewayCpuUsPerRequest ?? '',
    })),
  );
  console.log(`gateway / direct throughput, median of ${pairs.length} round(s): ${(ratio * 100).toFixed(1)} %`);
  for (const [bar, met] of Object.entries(bars)) console.log(`${met ? 'met   ' : 'MISSED'} ${bar}`);
}
