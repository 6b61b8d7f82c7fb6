import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * The whole bus is these tables in one SQLite file:
 * - `topics`: each topic's partition count, fixed when the topic is first created;
 * - `messages`: the log itself, append-only; `offset` counts from 0 within (topic, partition);
 * - `group_offsets`: per consumer group and partition, the next offset to handle (Kafka's "committed offset");
 * - `group_members`: the live members of each group and when each last called in;
 * - `group_leases`: which member handles which partition now: at most one, by the primary key;
 * - `consumer_groups`: a generation number bumped whenever members or leases change hands, so
 *   members notice a rebalance at once instead of at their next heartbeat.
 */
const schema = `
  CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY,
    partitions INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS messages (
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    "offset" INTEGER NOT NULL,
    key TEXT NOT NULL,
    envelope TEXT NOT NULL,
    headers TEXT,
    PRIMARY KEY (topic, partition, "offset")
  ) STRICT;
  CREATE TABLE IF NOT EXISTS group_offsets (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS group_members (
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    topics TEXT NOT NULL, -- JSON array of the topics it subscribes to
    heartbeat_at INTEGER NOT NULL, -- epoch milliseconds
    PRIMARY KEY (group_id, member_id)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS group_leases (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    member_id TEXT NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS consumer_groups (
    group_id TEXT PRIMARY KEY,
    generation INTEGER NOT NULL
  ) STRICT;
`;

/** How long a statement waits for another process's write lock before failing. Transactions here last microseconds. */
const busyTimeoutMs = 5_000;

/**
 * Opens (creating if needed) the bus file. WAL lets readers in every process read while one writes.
 * synchronous=NORMAL: a commit survives the crash or SIGKILL of any process (the WAL is in the OS
 * page cache); only a power loss or OS crash may lose the last commits. That is the trade the
 * local, zero-infrastructure mode makes for a publish in microseconds rather than an fsync.
 * Checkpoints stay SQLite's default (inside whichever commit grows the WAL past 1,000 pages): they
 * are the main source of tail latency, but a checkpoint thread costs ~30 MB RSS per process and
 * a larger threshold trades a lower p99 for longer stalls (README, "Tests and numbers").
 */
export function openDatabase(path: string): DatabaseSync {
  mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  enableWal(db);
  db.exec('PRAGMA synchronous = NORMAL');
  inTransaction(db, () => db.exec(schema));
  return db;
}

const sqliteBusy = 5;

/**
 * Switching a new file to WAL takes an exclusive lock and SQLite does not wait for it (the busy
 * timeout does not apply): when every process of a run opens a fresh bus file at once, all but one
 * would fail with "database is locked". Retried for as long as a statement would wait; a file
 * already in WAL mode needs no lock and passes at once.
 */
function enableWal(db: DatabaseSync): void {
  const deadline = Date.now() + busyTimeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { errcode?: number }).errcode !== sqliteBusy || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/**
 * Runs `work` in a write transaction taken up front (BEGIN IMMEDIATE): a transaction that reads
 * first and upgrades to writing later can fail with SQLITE_BUSY at once in WAL mode, whatever
 * the busy timeout. `work` is synchronous: no transaction is ever held across an await.
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
