import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { infraUrl, spawnNode } from '@eventide/testing';
import type { Infra } from '@eventide/testing';
import { openStore } from './store.ts';

/** Helpers for tests of the store and of what stands on it; not for services. */

export interface TestDatabase {
  /** URL of the new, empty database. */
  readonly url: string;
  /** Drops the database (closing what still holds it on PostgreSQL). Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named, empty database on the server that `serverUrl` reaches
 * (`postgres://...` or `mysql://...`), so that tests never share state. Drop it when done.
 */
export async function createTestDatabase(serverUrl: string, prefix = 'eventide_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = await openStore(serverUrl, { poolSize: 1 });
  try {
    await sql`create database ${sql.id(name)}`.execute(admin.db);
  } finally {
    await admin.close();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  const drop = async (): Promise<void> => {
    const admin = await openStore(serverUrl, { poolSize: 1 });
    try {
      await (admin.dialect === 'postgres'
        ? sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin.db)
        : sql`drop database if exists ${sql.id(name)}`.execute(admin.db));
    } finally {
      await admin.close();
    }
  };
  return { url: url.toString(), drop: () => (dropping ??= drop()) };
}

/** A SQLite file in a fresh temporary directory, removed by drop(). */
export async function createTestSqliteFile(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'eventide-store-'));
  return { url: `sqlite:${join(dir, 'data', 'store.db')}`, drop: () => rm(dir, { recursive: true, force: true }) };
}

/** An engine a contract suite runs against; `infra` names the server it needs, for needs(). */
export interface TestEngine {
  readonly name: 'sqlite' | 'postgres' | 'mariadb';
  readonly infra?: Infra;
  /** The describe-name prefix the test tally counts: `[postgres] `, `[mariadb] ` or nothing. */
  readonly tag: string;
  create(): Promise<TestDatabase>;
}

export const testEngines: readonly TestEngine[] = [
  { name: 'sqlite', tag: '', create: createTestSqliteFile },
  { name: 'postgres', infra: 'postgres', tag: '[postgres] ', create: () => createTestDatabase(infraUrl.postgres) },
  { name: 'mariadb', infra: 'mariadb', tag: '[mariadb] ', create: () => createTestDatabase(infraUrl.mariadb) },
];

export interface ScriptResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a .ts script in a child Node process (the project's Node 24) and resolves when it exits. */
export function runScript(script: string, env: Readonly<Record<string, string>>): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawnNode(script, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
