import type { TestContext } from 'node:test';
import { connect } from 'node:net';

/**
 * Real infrastructure for tests. Locally a test that needs a server the machine does not run is
 * skipped with the reason; with TEST_INFRA=1 (set by .ci/run) it fails instead, so CI never
 * passes by skipping. Suites name their server in brackets ([kafka], [postgres], [mariadb],
 * [redis]) so the test script can count what ran against each.
 */
export type Infra = 'kafka' | 'postgres' | 'mariadb' | 'redis';

export const infraRequired = process.env.TEST_INFRA === '1';

export const infraUrl: Readonly<Record<Infra, string>> = {
  kafka: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  postgres: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  mariadb: process.env.MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test',
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

function hostPort(infra: Infra): { host: string; port: number } {
  const url = infraUrl[infra];
  if (infra === 'kafka') {
    const [host = '127.0.0.1', port = '9092'] = (url.split(',')[0] ?? '').split(':');
    return { host, port: Number(port) };
  }
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/**
 * One TCP connect. The timeout is generous and the probe is tried three times because timers run
 * before I/O callbacks: a test file whose event loop was busy loading modules for longer than the
 * timeout would see it fire before a connect that had in fact succeeded.
 */
async function reachable(address: { host: string; port: number }): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt += 1) if (await connectsOnce(address)) return true;
  return false;
}

function connectsOnce({ host, port }: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const probes = new Map<Infra, Promise<boolean>>();

/** Whether the server answers on its port (probed once per process). */
export function isUp(infra: Infra): Promise<boolean> {
  let probe = probes.get(infra);
  if (!probe) {
    probe = reachable(hostPort(infra));
    probes.set(infra, probe);
  }
  return probe;
}

/**
 * Options for `describe`/`it` that skip when `infra` is down, unless TEST_INFRA=1. Use with a
 * top-level await: `describe('[kafka] bus', await needs('kafka'), () => ...)`.
 */
export async function needs(...infras: Infra[]): Promise<{ skip?: string }> {
  for (const infra of infras) {
    if (await isUp(infra)) continue;
    if (infraRequired) {
      throw new Error(`${infra} is required (TEST_INFRA=1) but does not answer at ${infraUrl[infra]}; run npm run infra:up`);
    }
    return { skip: `${infra} is not running at ${infraUrl[infra]} (npm run infra:up starts it)` };
  }
  return {};
}

/** Inside a test: skip it (or fail under TEST_INFRA=1) when `infra` is down. */
export async function requireInfra(t: TestContext, ...infras: Infra[]): Promise<boolean> {
  const { skip } = await needs(...infras);
  if (skip) t.skip(skip);
  return !skip;
}
