import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@eventide/store/testing';
export { client } from '@eventide/service-host/testing';
import { infraUrl, needs, tempDir } from '@eventide/testing';

/**
 * How the system test runs GDmarket: embedded (one data directory: a SQLite file per service and
 * the embedded bus) or distributed (item and reservation on PostgreSQL, each its own database;
 * payment on MariaDB; ItemInfo on Redis; Kafka). Each run gets a unique system name, so topics,
 * consumer groups and Redis keys of runs sharing servers never meet.
 */
export interface SystemMode {
  readonly tag: string;
  readonly options: { skip?: string };
  /** How long an eventually() waits: Kafka's group joins take seconds. */
  readonly within: number;
  prepare(): Promise<SystemSetup>;
}

export interface SystemSetup {
  readonly system: string;
  /** Environment of each service's start; the same again restarts it on the same data. */
  readonly env: Readonly<Record<'item' | 'reservation' | 'payment', Record<string, string>>>;
  cleanup(): Promise<void>;
}

const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;
const quiet = { LOG_LEVEL: 'silent', PORT: '0' };

export const embeddedSystem: SystemMode = {
  tag: '',
  options: {},
  within: 5_000,
  async prepare() {
    const dir = tempDir('gdmarket-');
    const env = { ...quiet, DATA_DIR: dir.path };
    return { system: unique('gdmarket_'), env: { item: env, reservation: env, payment: env }, cleanup: async () => dir.remove() };
  },
};

export const distributedSystem: SystemMode = {
  tag: '[kafka] [postgres] [mariadb] [redis] ',
  options: await needs('kafka', 'postgres', 'mariadb', 'redis'),
  within: 30_000,
  async prepare() {
    const dir = tempDir('gdmarket-');
    const system = unique('gdmarket_');
    const databases: TestDatabase[] = [];
    const database = async (server: string, prefix: string) => {
      const created = await createTestDatabase(server, prefix);
      databases.push(created);
      return created.url;
    };
    const common = { ...quiet, DATA_DIR: dir.path, BUS: 'kafka', KAFKA_BROKERS: infraUrl.kafka };
    const env = {
      item: { ...common, STORE_URL: await database(infraUrl.postgres, 'gdmarket_item'), READ_MODEL_URL: infraUrl.redis },
      reservation: { ...common, STORE_URL: await database(infraUrl.postgres, 'gdmarket_reservation') },
      payment: { ...common, STORE_URL: await database(infraUrl.mariadb, 'gdmarket_payment') },
    };
    return {
      system,
      env,
      async cleanup() {
        const { Redis } = await import('ioredis');
        const redis = new Redis(infraUrl.redis);
        const keys = await redis.keys(`{${system}.item}:*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
        await Promise.all(databases.map((d) => d.drop()));
        dir.remove();
      },
    };
  },
};

export function assertStatus(response: { status: number; body: unknown }, status: number): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
}
