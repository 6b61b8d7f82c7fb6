import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Envelope } from '@eventide/core';
import { openEmbeddedBus, type Bus, type Consumer, type Message } from '@eventide/messaging';
import { createTestDatabase } from '@eventide/store/testing';
import { eventually, infraUrl, needs, tempDir, type Infra } from '@eventide/testing';

/**
 * Component tests of a system's service (the test kit's "start one service on either adapter"):
 * how it runs, embedded (SQLite files, the embedded bus, read model in the service's store) or
 * distributed (a fresh database on the real server, Kafka, Redis). Each run gets a unique system
 * name (the service definition takes it), so topics, consumer groups and Redis keys of runs sharing
 * servers never meet. Exported as `@eventide/service-host/testing`; not for production code.
 */
export interface Mode {
  /** Prefix of the describe name, naming the real servers the tally counts. */
  readonly tag: string;
  readonly options: { skip?: string };
  /** How long an eventually() waits: Kafka's group joins take seconds. */
  readonly within: number;
  prepare(): Promise<Setup>;
}

export interface Setup {
  readonly system: string;
  /** Environment of a service start; the same again restarts it on the same data. */
  readonly env: Record<string, string>;
  /** A consumer of its own (unique group, from the beginning) and a publisher on the same bus. */
  tap(topics: readonly string[]): Promise<Tap>;
  cleanup(): Promise<void>;
}

export interface Tap {
  readonly received: Envelope[];
  publish(messages: readonly Message[]): Promise<void>;
  close(): Promise<void>;
}

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;
const quiet = { LOG_LEVEL: 'silent', PORT: '0' };

/** The describe-name prefix naming the real servers a mode needs (the tally counts by it), and the gating they get. */
async function onServers(servers: readonly Infra[]): Promise<{ tag: string; options: { skip?: string } }> {
  const distinct = [...new Set(servers)];
  return { tag: `${distinct.map((s) => `[${s}]`).join(' ')} `, options: await needs(...distinct) };
}

/** Deletes the Redis keys matching `pattern` (read models are keyed `{<system>.<service>}:…`). */
async function deleteRedisKeys(pattern: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(infraUrl.redis);
  try {
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

async function tapOn(bus: Bus, topics: readonly string[]): Promise<Tap> {
  const received: Envelope[] = [];
  await bus.ensureTopics(topics);
  const consumer: Consumer = await bus.subscribe({
    group: unique('tap-'),
    topics,
    from: 'earliest',
    handle: async (delivery) => {
      received.push(delivery.envelope);
    },
  });
  return {
    received,
    publish: (messages) => bus.publisher.publish(messages),
    close: async () => {
      await consumer.stop();
      await bus.close();
    },
  };
}

export function embeddedMode(system: string, service: string): Mode {
  return {
    tag: '',
    options: {},
    within: 5_000,
    async prepare() {
      const dir = tempDir(`${system}-${service}-`);
      return {
        system: unique(`${system}_`),
        env: { ...quiet, DATA_DIR: dir.path },
        tap: async (topics) => tapOn(await openEmbeddedBus({ path: join(dir.path, 'bus.db') }), topics),
        cleanup: async () => dir.remove(),
      };
    },
  };
}

/** The service on a fresh database of `store`, events on Kafka, its read model (if any) on Redis. */
export async function distributedMode(system: string, service: string, store: 'postgres' | 'mariadb', readModel: boolean): Promise<Mode> {
  return {
    ...(await onServers(['kafka', store, ...(readModel ? (['redis'] as const) : [])])),
    within: 30_000,
    async prepare() {
      const dir = tempDir(`${system}-${service}-`);
      const database = await createTestDatabase(infraUrl[store], `${system}_${service}`);
      const name = unique(`${system}_`);
      return {
        system: name,
        env: {
          ...quiet,
          DATA_DIR: dir.path,
          STORE_URL: database.url,
          BUS: 'kafka',
          KAFKA_BROKERS: infraUrl.kafka,
          ...(readModel ? { READ_MODEL_URL: infraUrl.redis } : {}),
        },
        async tap(topics) {
          const { openKafkaBus } = await import('@eventide/messaging-kafka');
          return tapOn(await openKafkaBus({ brokers: infraUrl.kafka.split(','), clientId: unique('tap-') }), topics);
        },
        async cleanup() {
          if (readModel) await deleteRedisKeys(`{${name}.${service}}:*`);
          await database.drop();
          dir.remove();
        },
      };
    },
  };
}

/**
 * JSON request helpers against one base URL, as httpie sends them (numbers as strings are fine).
 * `defaults` are headers of every request, e.g. an Authorization header through the gateway.
 */
export function client(base: () => string, defaults: () => Record<string, string> = () => ({})) {
  const send = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const headers = { ...defaults(), ...extra };
    const response = await fetch(`${base()}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as any) };
  };
  return {
    get: (path: string) => send('GET', path),
    post: (path: string, body: unknown, headers?: Record<string, string>) => send('POST', path, body, headers),
    patch: (path: string, body: unknown, headers?: Record<string, string>) => send('PATCH', path, body, headers),
    /** A form post, as `http -f` sends it (the originals' @RequestParam endpoints). */
    form: (path: string, fields: Record<string, string | number>, headers: Record<string, string> = {}) =>
      send('POST', path, new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      }),
    delete: (path: string) => send('DELETE', path),
  };
}

/** A problem+json answer with `status`, optionally naming `field`. */
export function assertProblem(response: { status: number; headers: Headers; body: any }, status: number, field?: string): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(response.body.status, status);
  if (field) assert.ok(response.body.violations?.some((v: { field: string }) => v.field === field), JSON.stringify(response.body));
}


/** Where one service of a system keeps its data when the system runs distributed. */
export interface ServiceLayout {
  readonly store: 'postgres' | 'mariadb';
  /** Its read models on Redis (otherwise in its store). */
  readonly redis?: boolean;
}

/** A whole system in one test: every service's environment, on either adapter. */
export interface SystemMode<S extends string> {
  readonly tag: string;
  readonly options: { skip?: string };
  readonly within: number;
  prepare(): Promise<SystemSetup<S>>;
}

export interface SystemSetup<S extends string> {
  readonly system: string;
  /** Environment of each service's start; the same again restarts it on the same data. */
  readonly env: Readonly<Record<S, Record<string, string>>>;
  cleanup(): Promise<void>;
}

function eachService<S extends string>(services: readonly S[], envOf: (service: S, index: number) => Record<string, string>) {
  const env = {} as Record<S, Record<string, string>>;
  services.forEach((service, i) => (env[service] = envOf(service, i)));
  return env;
}

/** Every service of `system` embedded: one data directory, a SQLite file each, the embedded bus. */
export function embeddedSystem<S extends string>(system: string, services: readonly S[]): SystemMode<S> {
  return {
    tag: '',
    options: {},
    within: 5_000,
    async prepare() {
      const dir = tempDir(`${system}-`);
      const env = { ...quiet, DATA_DIR: dir.path };
      return {
        system: unique(`${system}_`),
        env: eachService(services, () => env),
        cleanup: async () => dir.remove(),
      };
    },
  };
}

/** Every service of `system` on its own fresh database of the server `layout` names, on Kafka. */
export async function distributedSystem<S extends string>(system: string, layout: Readonly<Record<S, ServiceLayout>>): Promise<SystemMode<S>> {
  const entries = Object.entries(layout) as [S, ServiceLayout][];
  return {
    ...(await onServers(['kafka', ...entries.map(([, l]) => l.store), ...(entries.some(([, l]) => l.redis) ? (['redis'] as const) : [])])),
    within: 30_000,
    async prepare() {
      const dir = tempDir(`${system}-`);
      const name = unique(`${system}_`);
      const common = { ...quiet, DATA_DIR: dir.path, BUS: 'kafka', KAFKA_BROKERS: infraUrl.kafka };
      const databases = await Promise.all(entries.map(([service, l]) => createTestDatabase(infraUrl[l.store], `${system}_${service}`)));
      const env = eachService(
        entries.map(([service]) => service),
        (service, i) => ({ ...common, STORE_URL: databases[i]!.url, ...(layout[service].redis ? { READ_MODEL_URL: infraUrl.redis } : {}) }),
      );
      return {
        system: name,
        env,
        async cleanup() {
          if (entries.some(([, l]) => l.redis)) await deleteRedisKeys(`{${name}.*}:*`);
          await Promise.all(databases.map((d) => d.drop()));
          dir.remove();
        },
      };
    },
  };
}

/**
 * How an end-to-end test starts a whole system with the runner (`startRunner`), as a user would:
 * the variables the run adds to its environment, and what removes its databases afterwards.
 */
export interface RunnerMode {
  readonly tag: string;
  readonly options: { skip?: string };
  prepare(): Promise<{ readonly env: Record<string, string>; cleanup(): Promise<void> }>;
}

/** The embedded default: the runner's data directory holds everything. */
export const embeddedRun: RunnerMode = { tag: '', options: {}, prepare: async () => ({ env: {}, cleanup: async () => undefined }) };

/**
 * Distributed as the README runs it (`BUS=kafka`, `<SYSTEM>_<SERVICE>_STORE_URL`, ...): a fresh
 * database per service on the server `layout` names, Kafka, Redis for the read models it says.
 * The runner runs the system under its own name, so its topics, consumer groups and Redis keys
 * (`gasstation.pos`, `{gasstation.order}:…`) are the ones any earlier run left on these servers:
 * they are removed first, as an operator would before a clean start.
 */
export async function distributedRun(system: string, layout: Readonly<Record<string, ServiceLayout>>): Promise<RunnerMode> {
  const entries = Object.entries(layout);
  return {
    ...(await onServers(['kafka', 'redis', ...entries.map(([, l]) => l.store)])),
    async prepare() {
      await forgetSystem(system);
      const variable = (service: string, name: string) => `${system}_${service}_${name}`.toUpperCase();
      const env: Record<string, string> = { BUS: 'kafka', KAFKA_BROKERS: infraUrl.kafka };
      const databases = await Promise.all(entries.map(([service, l]) => createTestDatabase(infraUrl[l.store], `${system}_${service}`)));
      entries.forEach(([service, l], i) => {
        env[variable(service, 'STORE_URL')] = databases[i]!.url;
        if (l.redis) env[variable(service, 'READ_MODEL_URL')] = infraUrl.redis;
      });
      return { env, cleanup: async () => void (await Promise.all(databases.map((d) => d.drop()))) };
    },
  };
}

/** Deletes the consumer groups and topics named `<system>.…` on Kafka (groups where it can) and the keys `{<system>.…}:…` on Redis. */
async function forgetSystem(system: string): Promise<void> {
  const { Admin } = await import('@platformatic/kafka');
  const admin = new Admin({ clientId: unique('forget-'), bootstrapBrokers: infraUrl.kafka.split(',') });
  try {
    const groups = [...(await admin.listGroups()).keys()].filter((group) => group.startsWith(`${system}.`));
    // A group with a live member (a process of another run still up) cannot go; its topics still do.
    for (const group of groups) await admin.deleteGroups({ groups: [group] }).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${system}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await eventually(async () => assert.deepEqual((await admin.listTopics()).filter((topic) => topics.includes(topic)), []), {
      within: 30_000,
      what: `the ${system} topics deleted`,
    });
  } finally {
    await admin.close();
  }
  await deleteRedisKeys(`{${system}.*}:*`);
}
export { probeLimits, type Breach, type LimitsOptions } from './limits.ts';
