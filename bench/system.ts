/**
 * `npm run bench -- <system> [--json] [--duration 10] [--requests 3000] [--connections 50] [--cpu] [--auth on|off] [--profile <dir>]`:
 * the system as `npm start -- <system>` runs it (embedded mode, each service its own process, the
 * gateway in front), on 127.0.0.1 only. Each system contributes a scenario (bench/systems/<system>.ts):
 * one command and one propagation. Measured:
 *   - cost per process, robust to a busy machine: CPU spent starting, CPU per command over a fixed
 *     `requests` commands through the gateway (`connections`, 50 as the bar says) until every consumer and relay has
 *     caught up, and RSS and PSS (shared pages split among the processes sharing them) after them;
 *   - (not with --cpu) the command, 50 connections for `duration` seconds, through the gateway and
 *     straight to its service side by side: req/s, p50/p99, errors, and their ratio;
 *   - (not with --cpu) propagation: command → another service's state shows it, p50/p99 over 200
 *     samples (polled every 2 ms, so the figure includes up to one poll's delay);
 *   - time from the runner's start to every process ready;
 *   - RSS of each process after all of it, and its peaks (the kernel's high-water marks, so a
 *     process over the bar mid-load cannot hide): while it started, and under the loads;
 *   - the machine's speed before and after the run (a fixed piece of CPU work, lib/calibration.ts).
 * `--profile <dir>` has every process, started from its sources, write a V8 CPU profile there when it exits (node bench/profile.ts <dir> summarizes).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon, { type Result } from 'autocannon';
import { bundleRun, startRunner, type RunnerStatus } from '@eventide/runner';
import { metricSum, tempDir } from '@eventide/testing';
import { machineSpeed } from './lib/calibration.ts';
import { cpuSnapshot, peakRssMb, pssMb, resetPeakRss, rssMb } from './lib/processes.ts';
import { startGatewayWithoutTokens } from './lib/gateway-without-tokens.ts';
import type { BenchTarget, Scenario } from './lib/scenario.ts';
import { report, round, summarize } from './lib/stats.ts';

const scenarios: Record<string, () => Promise<{ default: Scenario }>> = {
  gdmarket: () => import('./systems/gdmarket.ts'),
  gasstation: () => import('./systems/gasstation.ts'),
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    requests: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '50' },
    cpu: { type: 'boolean', default: false },
    auth: { type: 'string', default: 'on' },
    profile: { type: 'string' },
  },
});
const system = positionals[0] ?? 'gdmarket';
const load = scenarios[system];
if (!load) throw new Error(`no benchmark for ${system} (${Object.keys(scenarios).join(', ')})`);
const scenario = (await load()).default;
const duration = Number(values.duration);
const requests = Number(values.requests);
const connections = Number(values.connections);
const jwt = `JWT ${values.auth}`;

/** The clock V8 stamps profile samples with (CLOCK_MONOTONIC), in microseconds. */
const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

const loadAverage = () => loadavg().map((l) => round(l, 2)).join(' ');

/** The pid of every process of the run, by short name (gateway, item, item#2…). */
function pidsOf(status: RunnerStatus): Record<string, number> {
  const pids: Record<string, number> = {};
  if (status.gateway.pid !== undefined) pids.gateway = status.gateway.pid;
  if (status.auth?.pid !== undefined) pids.auth = status.auth.pid;
  for (const service of status.services) {
    service.replicas.forEach((replica, i) => {
      if (replica.pid !== undefined) pids[`${service.name.split('/')[1]}${i === 0 ? '' : `#${i + 1}`}`] = replica.pid;
    });
  }
  return pids;
}

/** Resolves once no service has an event in its outbox or an unhandled one on its subscriptions, twice in a row. */
async function settled(status: RunnerStatus): Promise<void> {
  const urls = status.services.flatMap((s) => s.replicas.map((r) => r.url));
  const started = performance.now();
  for (let quiet = 0; quiet < 2; ) {
    const pending = await Promise.all(
      urls.map(async (url) => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return metricSum(text, 'consumer_lag_messages') + metricSum(text, 'outbox_backlog_messages');
      }),
    );
    quiet = pending.every((n) => n === 0) ? quiet + 1 : 0;
    if (performance.now() - started > 60_000) throw new Error(`events still pending after 60 s: ${pending.join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How many requests failed, and how: `0`, or e.g. `12 (503 ×10, timeout ×2)`. */
function describeErrors(result: Result): string {
  const failed = result.errors + result.non2xx + result.timeouts;
  if (failed === 0) return '0';
  // autocannon reports counts per status code; its types do not declare them.
  const { statusCodeStats = {} } = result as Result & { statusCodeStats?: Record<string, { count: number }> };
  const statuses = Object.entries(statusCodeStats).filter(([status]) => !status.startsWith('2'));
  const kinds = [...statuses.map(([status, { count }]) => `${status} ×${count}`), ...(result.timeouts > 0 ? [`timeout ×${result.timeouts}`] : [])];
  return `${failed} (${kinds.join(', ')})`;
}

// Before the system runs, and again after it stopped: the machine's speed at both ends of the run.
const machineBefore = machineSpeed();
const dir = tempDir('eventide-bench-system-');
if (values.auth !== 'on' && values.auth !== 'off') throw new Error(`--auth on|off, not ${values.auth}`);
const auth = values.auth === 'on';
const env = {
  ...process.env,
  // One client drives all the load: the per-client limit stays in the path but never refuses.
  GATEWAY_RATE_LIMIT: process.env.GATEWAY_RATE_LIMIT ?? '1000000/1',
  ...(values.profile !== undefined && { NODE_OPTIONS: [process.env.NODE_OPTIONS, `--cpu-prof --cpu-prof-dir=${resolve(values.profile)}`].filter(Boolean).join(' ') }),
};
// The runner's own lines (restarts, readiness changes) are kept, and shown if the bench fails.
const runnerLines: string[] = [];
const keep = (line: string) => runnerLines.push(line) > 200 && runnerLines.shift();
// A profiled run starts from the sources, so its profiles name files and packages (its start CPU is then not the real one).
// Otherwise the bundles are built first, as npm install builds them: 'ready in' is a start's, not
// a rebuild's after an edit.
if (values.profile === undefined) await bundleRun();
const runner = await startRunner({ systems: [system], dataDir: dir.path, ports: 'ephemeral', env, auth, output: keep, bundle: values.profile === undefined });
try {
  const status = await runner.status();
  const pids = pidsOf(status);
  const startCpu = cpuSnapshot(pids);
  // The start's own peak (the binary's start-only pages, its garbage) is read apart: from here the
  // high-water marks count the loads alone.
  const startPeak = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, peakRssMb(pid)]));
  for (const pid of Object.values(pids)) resetPeakRss(pid);
  const tokens = new Map<string, Promise<string>>();
  const target: BenchTarget = {
    gateway: runner.gatewayUrl,
    async headers(role): Promise<Record<string, string>> {
      if (!auth) return {};
      if (!tokens.has(role)) tokens.set(role, runner.token(system, role));
      return { authorization: `Bearer ${await tokens.get(role)!}` };
    },
    urlOf(service) {
      const url = status.services.find((s) => s.name === service)?.replicas[0]?.url;
      if (!url) throw new Error(`no replica of ${service}`);
      return url;
    },
  };
  const body = JSON.stringify(await scenario.prepare(target));
  const headers = { ...(await target.headers(scenario.command.role)), 'content-type': 'application/json' };
  const command = (url: string, options: { duration?: number; amount?: number; connections?: number }) =>
    autocannon({ url, method: 'POST', headers, body, connections, ...options });
  const through = `${runner.gatewayUrl}${scenario.command.path}`;

  // Warm every path (JIT, connection pools), then a fixed number of commands, measured in CPU time.
  await command(through, { duration: 2, connections: 10 });
  await settled(status);
  const before = cpuSnapshot(pids);
  const benchBefore = process.cpuUsage();
  const from = monotonicMicros();
  const fixed = await command(through, { amount: requests });
  await settled(status);
  const after = cpuSnapshot(pids);
  const benchCpu = process.cpuUsage(benchBefore);
  // What each process spends doing nothing (polls, heartbeats, timers), for a reading of the per-command figure.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const idle = cpuSnapshot(pids);
  if (values.profile !== undefined) {
    // The processes write their profiles when they exit, after this: the folder may not exist yet.
    mkdirSync(values.profile, { recursive: true });
    writeFileSync(join(values.profile, 'window.json'), JSON.stringify({ from, to: monotonicMicros() }));
  }
  const loadDuringCpu = loadAverage();
  const ok = fixed['2xx'];
  const cost = Object.keys(pids).map((name) => ({
    process: name,
    'start CPU ms': round(startCpu[name]!, 0),
    'CPU ms/command': round((after[name]! - before[name]!) / ok, 3),
    'idle CPU ms/s': round((idle[name]! - after[name]!) / 2, 0),
    'RSS MB': rssMb(pids[name]!),
    'PSS MB': pssMb(pids[name]!),
  }));
  const sum = (column: 'start CPU ms' | 'CPU ms/command' | 'idle CPU ms/s' | 'RSS MB' | 'PSS MB', digits: number) => round(cost.reduce((s, c) => s + c[column], 0), digits);
  const total = { process: 'all', 'start CPU ms': sum('start CPU ms', 0), 'CPU ms/command': sum('CPU ms/command', 3), 'idle CPU ms/s': sum('idle CPU ms/s', 0), 'RSS MB': sum('RSS MB', 0), 'PSS MB': sum('PSS MB', 0) };
  const errors = describeErrors(fixed);
  // The load generator (autocannon, in this process) shares the two cores: what it takes is not the system's, but not free either.
  const generator = { process: '(load generator)', 'CPU ms/command': round((benchCpu.user + benchCpu.system) / 1000 / ok, 3) };
  report(`${system}: cost per process, ${ok} × POST ${scenario.command.path} through the gateway (${jwt}, ${errors} errors), load average ${loadDuringCpu}`, [...cost, total, generator], values.json);

  if (!values.cpu) {
    const loaded = await command(through, { duration });
    const loadDuringThrough = loadAverage();
    // With tokens on, the same route through a second gateway that checks none, right after (issue 5's bar: ≥ 80 %).
    const plain = auth ? await startGatewayWithoutTokens(dir.path, `${scenario.command.path}?size=1`) : undefined;
    const withoutJwt = plain === undefined ? undefined : await command(`${plain.url}${scenario.command.path}`, { duration });
    await plain?.close();
    const straight = await command(`${target.urlOf(scenario.command.service)}${scenario.command.path}`, { duration });

    // The loads above may have left events to handle; a sample starts from a system at rest.
    await settled(status);
    const propagation: number[] = [];
    for (let i = 0; i < 200; i += 1) propagation.push(await scenario.propagate(target, i));
    const spread = summarize(propagation);

    const row = (path: string, result: Result) => ({
      path,
      'req/s': Math.round(result.requests.average),
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      errors: describeErrors(result),
    });
    report(
      `${system}: POST ${scenario.command.path}, ${connections} connections, ${duration} s, ${jwt} (load average ${loadDuringThrough})`,
      [
        row('through the gateway', loaded),
        ...(withoutJwt === undefined ? [] : [row('through a gateway without JWT', withoutJwt)]),
        row(`straight to ${scenario.command.service.split('/')[1]}`, straight),
      ],
      values.json,
    );
    report(
      `${system}: system (propagation: ${scenario.propagation})`,
      [
        {
          'gateway/straight': `${round((loaded.requests.average / straight.requests.average) * 100)}%`,
          ...(withoutJwt === undefined ? {} : { 'JWT on/off': `${round((loaded.requests.average / withoutJwt.requests.average) * 100)}%` }),
          'propagation p50 ms': spread.p50,
          'propagation p99 ms': spread.p99,
          'ready in ms': runner.readyInMs,
        },
      ],
      values.json,
    );
  }
  report(
    `${system}: RSS of each process now, at its peak while it started, and at its peak under all the loads (MB, the kernel's high-water marks)`,
    Object.entries(pids).map(([name, pid]) => ({ process: name, now: rssMb(pid), 'start peak': startPeak[name]!, 'load peak': peakRssMb(pid) })),
    values.json,
  );
} catch (error) {
  process.stderr.write(`${runnerLines.join('\n')}\n`);
  throw error;
} finally {
  await runner.close();
  dir.remove();
}
report(
  `${system}: the machine before and after the run (a fixed piece of CPU work in this process, ms; one system call, µs; more is a slower machine)`,
  [
    { when: 'before the run', ...machineBefore },
    { when: 'after the run', ...machineSpeed() },
  ],
  values.json,
);
