import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { tempDir } from '@eventide/testing';
import { openDatabase } from './database.ts';

/**
 * Holds a write lock on `path` (a fresh file, so not yet in WAL mode) for `ms`, saying when it has
 * it. It waits for locks as every process of the bus does (a busy timeout): its COMMIT needs the
 * file to itself, and the opener's retries to switch to WAL each hold a shared lock for a moment;
 * without the timeout the COMMIT failed at once when it fell in one (seen once in CI).
 */
const holder = `
  const { DatabaseSync } = require('node:sqlite');
  const db = new DatabaseSync(process.argv[1], { timeout: 5000 });
  db.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)');
  db.exec('BEGIN IMMEDIATE');
  db.exec('INSERT INTO t VALUES (1)');
  console.log('locked');
  setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));
`;

describe('opening the bus file', () => {
  it('waits for another process that holds the fresh file, instead of failing with "database is locked"', async () => {
    const dir = tempDir('eventide-bus-open-');
    try {
      const path = join(dir.path, 'bus.db');
      const child = spawn(process.execPath, ['-e', holder, path, '300'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      assert.equal(line, 'locked');
      const db = openDatabase(path);
      try {
        assert.deepEqual({ ...db.prepare('PRAGMA journal_mode').get() }, { journal_mode: 'wal' });
      } finally {
        db.close();
      }
      await once(child, 'exit');
      const check = new DatabaseSync(path);
      assert.deepEqual({ ...check.prepare('SELECT count(*) AS n FROM t').get() }, { n: 1 }, 'the other process committed');
      check.close();
    } finally {
      dir.remove();
    }
  });
});
