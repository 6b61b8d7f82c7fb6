import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '@eventide/core';
import type { RebuildResult } from '@eventide/service-host';
import { callControl, controlSocketPath, runnerAlive, type Action } from './control.ts';
import { writeAsyncApi } from './asyncapi.ts';
import { bundleRun, repositoryRoot, startRunner, type RunnerStatus } from './runner.ts';
import type { ServiceStatus } from './service.ts';
import { columns, statusTable } from './table.ts';

const usage = `usage:
  npm start [-- <system>...]           run every system (gateway :8080, /<system>/...), or the one named alone on its seed ports
                                       (cli.ts start [<system>...], or run [<system>...])
  npm run svc -- status [--json]       services, replicas, ports, pids, readiness of the running runner
  npm run svc -- stop <system>/<service>       drain every replica (the gateway answers 503 + Retry-After)
  npm run svc -- start <system>/<service>      bring a stopped service back
  npm run svc -- restart <system>/<service>    rolling restart: no request through the gateway fails
  npm run svc -- scale <system>/<service> <n>  run n replicas (1 to 5) behind the gateway
  npm run reset                        remove the data directory (refused while a runner runs)
  npm run asyncapi                     write docs/asyncapi/<system>.json from each system's contracts
  npm run bundle                       build the bundles the processes run from (npm install does; a start rebuilds what changed)
  npm run rebuild -- <system> <service> [<read model>] [--url <service url>]
                                       rebuild a read model from the events on the running service (the runner's, or
                                       the one at --url); without a read model, list them
Options of run: --root <dir> reads <dir>/systems (default: this repository); --ports ephemeral takes every port
from the OS instead of the seed's (parallel runs, tests).
DATA_DIR (default .data) names the data directory; LOG_LEVEL (default warn) how much of the services' logs is shown;
<SYSTEM>_<SERVICE>_<VARIABLE> gives one service its own value (e.g. GDMARKET_PAYMENT_STORE_URL=mysql://...).`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const dataDir = resolve(process.env.DATA_DIR ?? '.data');

async function run(systems: string[], root: string | undefined, ports: string): Promise<void> {
  if (ports !== 'fixed' && ports !== 'ephemeral') fail(`--ports must be fixed or ephemeral\n${usage}`);
  const abandon = new AbortController();
  let runner: Awaited<ReturnType<typeof startRunner>> | undefined;
  let stopping = false;
  // Ctrl-C reaches the runner twice (the terminal's and npm's forwarding); the second is not a "force".
  const onSignal = (): void => {
    if (stopping) return;
    stopping = true;
    if (runner === undefined) return abandon.abort();
    runner.close().then(
      () => process.exit(0),
      (error: unknown) => fail(`the runner could not stop cleanly: ${(error as Error).stack ?? String(error)}`),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    runner = await startRunner({ systems, root, ports, dataDir, signal: abandon.signal });
    console.log(`ready ${Math.round(performance.now())} ms after the runner process started`);
  } catch (error) {
    if (abandon.signal.aborted) {
      // Ctrl-C while starting: what was asked for, done.
      console.log((error as Error).message);
      process.exit(0);
    }
    if (isAppError(error)) fail(error.message);
    throw error;
  }
  if (stopping) {
    stopping = false;
    onSignal();
  }
}

async function control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let answer;
  try {
    answer = await callControl(controlSocketPath(dataDir), method, path, body);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') fail(`no runner is running on ${dataDir} (start one with npm start)`);
    return fail(`the runner did not answer: ${(error as Error).message} (is it stopping?)`);
  }
  if (answer.status !== 200) fail((answer.body as { detail?: string }).detail ?? `the runner answered ${answer.status}`);
  return answer.body;
}

function replicaLines(service: ServiceStatus): string[] {
  return columns(
    service.replicas.map((r) => [
      `  ${service.name}#${r.n}`,
      `port ${r.port}`,
      `pid ${r.pid ?? '-'}`,
      r.state,
      r.restarts > 0 ? `restarts ${r.restarts}${r.lastExit ? ` (last: ${r.lastExit})` : ''}` : '',
    ]),
  );
}

async function status(json: boolean): Promise<void> {
  const body = (await control('GET', '/status')) as RunnerStatus;
  if (json) return void console.log(JSON.stringify(body, null, 2));
  console.log(`runner pid ${body.pid}, ${body.phase}, ${body.scope === 'alone' ? 'one system on its seed ports' : 'systems under /<system>'}, gateway ${body.gateway.url}, data ${body.dataDir}`);
  for (const line of statusTable(body)) console.log(line);
  for (const service of body.services) {
    if (service.replicas.some((r) => r.state !== 'ready' || r.restarts > 0)) for (const line of replicaLines(service)) console.log(line);
  }
}

async function act(action: Action, name: string | undefined, replicas: string | undefined): Promise<void> {
  if (name === undefined || !/^[^/]+\/[^/]+$/.test(name)) fail(`${action} needs <system>/<service>\n${usage}`);
  const [system, service] = name.split('/') as [string, string];
  let body: { replicas: number } | undefined;
  if (action === 'scale') {
    if (replicas === undefined || !/^\d+$/.test(replicas)) fail(`scale needs a number of replicas\n${usage}`);
    body = { replicas: Number(replicas) };
  }
  const result = (await control('POST', `/services/${encodeURIComponent(system)}/${encodeURIComponent(service)}/${action}`, body)) as ServiceStatus;
  console.log(`${result.name}: ${result.state}, ${result.replicas.length} replica(s)`);
  for (const line of replicaLines(result)) console.log(line);
}

/** A running replica's base URL, from the runner; refused with several replicas, which would keep consuming. */
async function serviceUrl(name: string): Promise<string> {
  const body = (await control('GET', '/status')) as RunnerStatus;
  const service = body.services.find((s) => s.name === name);
  if (service === undefined) fail(`the runner runs no ${name} (services: ${body.services.map((s) => s.name).join(', ')})`);
  if (service.replicas.length !== 1) {
    fail(`${name} runs ${service.replicas.length} replicas; a rebuild pauses the consumer of one while the others keep consuming: npm run svc -- scale ${name} 1 first`);
  }
  return service.replicas[0]!.url;
}

async function admin(url: string, method: 'GET' | 'POST', path: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(path, url), { method });
  } catch (error) {
    return fail(`nothing answers at ${url}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
  if (!response.ok) fail(`${url} answered ${response.status}: ${body.detail ?? body.title ?? ''}`);
  return body;
}

/** Rebuilds one read model of a running service from the events (POST /admin/read-models/{name}/rebuild) and says what it did. */
async function rebuild(system: string | undefined, service: string | undefined, readModel: string | undefined, url: string | undefined): Promise<void> {
  if (system === undefined || service === undefined) fail(`rebuild needs <system> <service> [<read model>]\n${usage}`);
  const name = `${system}/${service}`;
  const base = url ?? (await serviceUrl(name));
  if (readModel === undefined) {
    const names = (await admin(base, 'GET', '/admin/read-models')) as string[];
    return void console.log(names.length === 0 ? `${name} has no read model` : `${name} read models: ${names.join(', ')}`);
  }
  const result = (await admin(base, 'POST', `/admin/read-models/${encodeURIComponent(readModel)}/rebuild`)) as RebuildResult;
  const what = result.kind === 'projection' ? `${result.events} events replayed (${result.skipped} skipped)` : `${result.rows} rows recomputed`;
  console.log(`${name} ${result.readModel}: ${what} in ${result.durationMs} ms`);
}

/** Refuses a running runner's data directory, and any directory that holds the project or the home. */
async function reset(): Promise<void> {
  const alive = await runnerAlive(controlSocketPath(dataDir));
  if (alive !== undefined) fail(`a runner (pid ${alive.pid}) is running on ${dataDir}; stop it first (Ctrl-C)`);
  for (const kept of [process.cwd(), homedir()]) {
    if (!relative(dataDir, kept).startsWith('..')) fail(`refusing to remove ${dataDir}: it holds ${kept}`);
  }
  await rm(dataDir, { recursive: true, force: true });
  console.log(`removed ${dataDir}`);
}

function parse() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
        root: { type: 'string' },
        ports: { type: 'string', default: 'fixed' },
        url: { type: 'string' },
      },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n${usage}`);
  }
}

const { positionals, values } = parse();
const [command, ...rest] = positionals;
if (values.help || command === undefined || command === 'help') {
  console.log(usage);
} else if (command === 'run' || (command === 'start' && !rest.some((arg) => arg.includes('/')))) {
  // `start` alone or with system names is `npm start`; `start <system>/<service>` is a control command.
  await run(rest, values.root, values.ports);
} else if (command === 'status') {
  await status(values.json);
} else if (command === 'stop' || command === 'start' || command === 'restart' || command === 'scale') {
  await act(command, rest[0], rest[1]);
} else if (command === 'reset') {
  await reset();
} else if (command === 'asyncapi') {
  for (const path of await writeAsyncApi(resolve(values.root ?? repositoryRoot))) console.log(relative(process.cwd(), path));
} else if (command === 'bundle') {
  const began = performance.now();
  await bundleRun(values.root);
  console.log(`bundles ready in ${Math.round(performance.now() - began)} ms`);
} else if (command === 'rebuild') {
  await rebuild(rest[0], rest[1], rest[2], values.url);
} else {
  fail(`unknown command ${command}\n${usage}`);
}
