import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import { systemClock } from '@eventide/core';
import type { Clock } from '@eventide/core';
import type { Message, Publisher } from '@eventide/messaging';
import { runCompiledOnce } from '@eventide/store';
import type { Logger, SqlDialect, Store } from '@eventide/store';
import { Lease } from './lease.ts';
import { platformDb } from './tables.ts';
import type { OutboxTable, PlatformTables } from './tables.ts';

export interface RelayOptions {
  /** Safety-net poll for rows committed by other processes or left by a crash (default 500 ms). Commits in this process wake the relay at once. */
  readonly pollIntervalMs?: number;
  /** Messages per publish call (default 100). */
  readonly batchSize?: number;
  /** How long the relay lease lasts without renewal: how soon another replica takes over from a dead one (default 10 s). */
  readonly leaseMs?: number;
  /** How long the relay keeps the lease after the outbox empties, for the next commit to publish at once (default 20 ms). */
  readonly lingerMs?: number;
  /** This relay's name in the lease (default host:pid:random). */
  readonly owner?: string;
  /** Delay before retrying a failed publish: doubles from retryMinMs up to retryMaxMs (defaults 100 ms, 5 s). */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** How soon to look again while another replica holds the lease and rows are waiting (default 25 ms). */
  readonly contendedRetryMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** After each published batch: its size and the age of its oldest message (for metrics). */
  readonly onPublished?: (count: number, oldestAgeMs: number) => void;
}

export interface Relay {
  /** Says that rows were just committed: publish them now rather than at the next poll. */
  wake(): void;
  /** Resolves once every message in the outbox when it was called is published (by this relay or a replica's). Rejects if the relay stops first. */
  flush(): Promise<void>;
  /** Messages in the outbox, not yet published. */
  backlog(): Promise<number>;
  /** Finishes the batch in flight, releases the lease and stops. Idempotent. */
  stop(): Promise<void>;
}

export const relayLeaseName = 'outbox-relay';

/**
 * Starts the relay: the one path from the outbox to the bus. It publishes the outbox in sequence
 * order, a batch at a time, and deletes a batch only after the publisher acknowledged it, so a crash
 * at any point republishes rather than loses (at-least-once; the inbox dedupes). A failed publish is
 * retried with backoff, from the same first row: nothing is ever skipped.
 *
 * Only the holder of the relay lease publishes, so replicas sharing a database keep the order. A
 * relay takes the lease when it has rows to publish, keeps it while commits keep coming (each
 * lingering `lingerMs` after the outbox empties, so a busy relay does not pay for the lease on
 * every commit) and gives it back when a linger passes with nothing new, so that whichever replica
 * commits next publishes at once. A replica that finds the lease taken looks again every
 * `contendedRetryMs` while its rows wait; the holder also publishes them, as it reads from the head.
 *
 * Rows are deleted by sequence, never "up to" one: on PostgreSQL and MariaDB a transaction that
 * drew a lower sequence may commit after a higher one was published, and must still be found.
 */
export function startRelay(store: Store, publisher: Publisher, options: RelayOptions = {}): Relay {
  return new OutboxRelay(store, publisher, options);
}

/** drained: published and emptied the outbox (lease held); empty: nothing to publish. */
type Outcome = 'drained' | 'empty' | 'contended' | 'failed';

class OutboxRelay implements Relay {
  readonly #db: Kysely<PlatformTables>;
  readonly #dialect: SqlDialect;
  readonly #publisher: Publisher;
  readonly #lease: Lease;
  readonly #clock: Clock;
  readonly #logger: RelayOptions['logger'];
  readonly #onPublished: RelayOptions['onPublished'];
  readonly #batchSize: number;
  readonly #delays: Record<Outcome, () => number>;
  readonly #loop: Promise<void>;
  #stopping = false;
  #woken = false;
  #failures = 0;
  #interrupt: (() => void) | undefined;
  #roundWaiters: (() => void)[] = [];

  constructor(store: Store, publisher: Publisher, options: RelayOptions) {
    const {
      pollIntervalMs = 500,
      batchSize = 100,
      leaseMs = 10_000,
      lingerMs = 20,
      owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      retryMinMs = 100,
      retryMaxMs = 5_000,
      contendedRetryMs = 25,
      clock = systemClock,
    } = options;
    this.#db = platformDb(store.db);
    this.#dialect = store.dialect;
    this.#publisher = publisher;
    this.#clock = clock;
    this.#logger = options.logger;
    this.#onPublished = options.onPublished;
    this.#batchSize = batchSize;
    this.#lease = new Lease(store.db, { name: relayLeaseName, owner, ttlMs: leaseMs, clock });
    this.#delays = {
      drained: () => lingerMs,
      empty: () => pollIntervalMs,
      contended: () => contendedRetryMs,
      failed: () => Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(this.#failures - 1, 30)),
    };
    this.#loop = this.#run();
  }

  wake(): void {
    this.#woken = true;
    this.#interrupt?.();
  }

  async flush(): Promise<void> {
    const last = await this.#db.selectFrom('outbox').select((eb) => eb.fn.max('sequence').as('last')).executeTakeFirst();
    if (last?.last == null) return;
    const upTo = Number(last.last);
    this.wake();
    for (;;) {
      const pending = await this.#db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('sequence', '<=', upTo)
        .executeTakeFirstOrThrow();
      if (Number(pending.count) === 0) return;
      if (this.#stopping) throw new Error(`the relay stopped with ${pending.count} messages still to publish`);
      await new Promise<void>((resolve) => this.#roundWaiters.push(resolve));
    }
  }

  async backlog(): Promise<number> {
    const { count } = await this.#db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    return Number(count);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#interrupt?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      // Commits made in the same turn of the event loop publish as one batch: one read, one
      // publish and one delete for all of them rather than for each.
      if (this.#woken) await new Promise((resolve) => setImmediate(resolve));
      const woken = this.#woken;
      this.#woken = false;
      const outcome = await this.#round(woken);
      const waiters = this.#roundWaiters;
      this.#roundWaiters = [];
      for (const resolve of waiters) resolve();
      // A wake during the round may be for rows committed after its last read: go again at once.
      if (this.#woken || this.#stopping) continue;
      if ((outcome === 'empty' || outcome === 'failed') && this.#lease.held) await this.#release();
      await this.#pause(this.#delays[outcome]());
    }
    await this.#release();
    for (const resolve of this.#roundWaiters) resolve();
  }

  /** Waits `ms`, or less if woken or stopped meanwhile (also before it began: no wake-up is lost). */
  #pause(ms: number): Promise<void> {
    if (this.#woken || this.#stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#interrupt = done;
    }).finally(() => (this.#interrupt = undefined));
  }

  /**
   * Publishes until the outbox is empty, the lease is lost, or a step fails. Without the lease it
   * first looks for a row (unless woken by a commit here, which says there is one), as the lease
   * costs two statements.
   */
  async #round(woken: boolean): Promise<Outcome> {
    try {
      if (!woken && !this.#lease.held) {
        const head = await this.#db.selectFrom('outbox').select('sequence').orderBy('sequence').limit(1).executeTakeFirst();
        if (head === undefined) return 'empty';
      }
      let published = false;
      while (!this.#stopping) {
        if (!(await this.#lease.acquire())) return 'contended';
        const { rows } = await runCompiledOnce(this.#db, 'read the outbox head', [this.#batchSize], () =>
          this.#db.selectFrom('outbox').selectAll().orderBy('sequence').limit(this.#batchSize),
        );
        if (rows.length === 0) break;
        await this.#publisher.publish(rows.map(toMessage));
        await this.#delete(rows.map((row) => row.sequence));
        published = true;
        this.#failures = 0;
        this.#published(rows);
        if (rows.length < this.#batchSize) break;
      }
      return published ? 'drained' : 'empty';
    } catch (error) {
      this.#failures += 1;
      this.#logger?.warn(
        { err: error, attempt: this.#failures, retryInMs: this.#delays.failed() },
        'outbox relay: publishing failed; retrying from the same message',
      );
      return 'failed';
    }
  }

  /**
   * Deletes published rows. Losing a delete only means publishing again (the inbox dedupes), so on
   * PostgreSQL it commits asynchronously (no wait for the WAL flush, which costs more than the
   * rest of the round on a slow disk). MariaDB's equivalent is server-wide; SQLite's NORMAL
   * synchronous mode already does not flush on commit in WAL mode.
   */
  async #delete(sequences: readonly number[]): Promise<void> {
    if (this.#dialect !== 'postgres') {
      await runCompiledOnce(this.#db, `delete ${sequences.length} from outbox`, sequences, () => this.#db.deleteFrom('outbox').where('sequence', 'in', sequences));
      return;
    }
    await sql`with async_commit as (select set_config('synchronous_commit', 'off', true))
      delete from outbox where sequence in (${sql.join(sequences)}) and exists (select from async_commit)`.execute(this.#db);
  }

  /** Gives the lease back; if the database does not answer, the lease simply expires. */
  async #release(): Promise<void> {
    try {
      await this.#lease.release();
    } catch (error) {
      this.#logger?.warn({ err: error }, 'outbox relay: could not release its lease; it will expire');
    }
  }

  #published(rows: readonly Selectable<OutboxTable>[]): void {
    if (!this.#onPublished) return;
    const oldest = Math.min(...rows.map((row) => Number(row.created_at)));
    try {
      this.#onPublished(rows.length, this.#clock.now().getTime() - oldest);
    } catch (error) {
      this.#logger?.error({ err: error }, 'outbox relay: onPublished threw');
    }
  }
}

function toMessage(row: Selectable<OutboxTable>): Message {
  return {
    topic: row.topic,
    key: row.message_key,
    envelope: JSON.parse(row.envelope),
    ...(row.headers !== null && { headers: JSON.parse(row.headers) as Record<string, string> }),
  };
}
