/**
 * `npm run bench -- gdmarket [--json] [--duration 10]`: the system as `npm start -- gdmarket` runs
 * it (embedded mode, each service its own process, the gateway in front), on 127.0.0.1 only:
 *   - time from the runner's start to every process ready;
 *   - POST /reservations, 50 connections for `duration` seconds, through the gateway and straight
 *     to the reservation service, side by side: req/s, p50/p99, errors, and their ratio;
 *   - propagation: POST /reservations → the item shows NotRentable, p50/p99 over 200 samples
 *     (polled every 2 ms through the gateway, so the figure includes up to one poll's delay);
 *   - RSS of each process after the load.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon, { type Result } from 'autocannon';
import { startRunner } from '@eventide/runner';
import { tempDir } from '@eventide/testing';
import { report, round, summarize } from './lib/stats.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean', default: false }, duration: { type: 'string', default: '10' } },
});
const system = positionals[0] ?? 'gdmarket';
if (system !== 'gdmarket') throw new Error(`no benchmark for ${system} yet (gdmarket)`);
const duration = Number(values.duration);

const json = { 'content-type': 'application/json' };
const post = async (url: string, body: unknown) => {
  const response = await fetch(url, { method: 'POST', headers: json, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, number>>;
};
const reservation = (itemNo: number) => ({ customerName: 'Bench', customerId: 1, itemNo, itemName: 'Camera', itemPrice: 100 });

function load(url: string, body: unknown): Promise<Result> {
  return autocannon({ url, method: 'POST', headers: json, body: JSON.stringify(body), connections: 50, duration });
}

const rssMb = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN;
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.match(/(\d+)/)?.[1] ?? Number.NaN) / 1024);
};

const dir = tempDir('eventide-bench-system-');
const runner = await startRunner({ systems: [system], dataDir: dir.path, ports: 'ephemeral', output: () => undefined });
try {
  const gateway = runner.gatewayUrl;
  const status = await runner.status();
  const reservationUrl = status.services.find((s) => s.name === 'gdmarket/reservation')?.replicas[0]?.url;
  if (!reservationUrl) throw new Error('no reservation replica');
  const { itemNo } = await post(`${gateway}/items`, { itemName: 'Camera', itemPrice: 100 });

  // Warm both paths (JIT, connection pools), then measure them one after the other.
  await autocannon({ url: `${gateway}/reservations`, method: 'POST', headers: json, body: JSON.stringify(reservation(itemNo!)), connections: 10, duration: 2 });
  const through = await load(`${gateway}/reservations`, reservation(itemNo!));
  const straight = await load(`${reservationUrl}/reservations`, reservation(itemNo!));

  const propagation: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const item = await post(`${gateway}/items`, { itemName: `thing-${i}`, itemPrice: 10 });
    const started = performance.now();
    await post(`${gateway}/reservations`, reservation(item.itemNo!));
    for (;;) {
      const seen = (await (await fetch(`${gateway}/items/${item.itemNo}`)).json()) as { itemStatus: string };
      if (seen.itemStatus === 'NotRentable') break;
      if (performance.now() - started > 10_000) throw new Error(`item ${item.itemNo} never became NotRentable`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    propagation.push(performance.now() - started);
  }
  const spread = summarize(propagation);

  const after = await runner.status();
  const rss: Record<string, number> = { gateway: rssMb(after.gateway.pid) };
  for (const service of after.services) rss[service.name.split('/')[1]!] = rssMb(service.replicas[0]?.pid);

  const row = (path: string, result: Result) => ({
    path,
    'req/s': Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p99 ms': result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  });
  report(`${system}: POST /reservations, 50 connections, ${duration} s`, [row('through the gateway', through), row('straight to reservation', straight)], values.json);
  report(
    `${system}: system`,
    [
      {
        'gateway/straight': `${round((through.requests.average / straight.requests.average) * 100)}%`,
        'propagation p50 ms': spread.p50,
        'propagation p99 ms': spread.p99,
        'ready in ms': runner.readyInMs,
        ...Object.fromEntries(Object.entries(rss).map(([name, mb]) => [`${name} RSS MB`, mb])),
      },
    ],
    values.json,
  );
} finally {
  await runner.close();
  dir.remove();
}
