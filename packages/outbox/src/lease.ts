import type { Kysely } from 'kysely';
import type { Clock } from '@eventide/core';
import { insertIgnore } from '@eventide/store';
import { platformDb } from './tables.ts';
import type { PlatformTables } from './tables.ts';

/**
 * A named lease in the `leases` table: whoever holds it, until its expiry, runs the job (one relay
 * per outbox). Portable across the three engines: a conditional UPDATE takes it when it is free,
 * expired or already ours, and a SELECT says who won (MariaDB's affected-row count cannot tell a
 * renewal to the same instant from a miss). Expiry is wall-clock time from the injected clock,
 * so replicas' clocks must agree to well within the lease's length.
 */
export class Lease {
  readonly #db: Kysely<PlatformTables>;
  readonly #name: string;
  readonly #owner: string;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  #heldUntil = 0;
  #rowExists = false;

  constructor(db: Kysely<any>, options: { name: string; owner: string; ttlMs: number; clock: Clock }) {
    this.#db = platformDb(db);
    this.#name = options.name;
    this.#owner = options.owner;
    this.#ttlMs = options.ttlMs;
    this.#clock = options.clock;
  }

  /** Whether the lease is ours as far as this process knows (until the expiry it last wrote). */
  get held(): boolean {
    return this.#heldUntil > this.#clock.now().getTime();
  }

  /** Takes or renews the lease; resolves whether it is ours. Renews only past half its life. */
  async acquire(): Promise<boolean> {
    const now = this.#clock.now().getTime();
    if (this.#heldUntil - now > this.#ttlMs / 2) return true;
    if (!this.#rowExists) {
      await insertIgnore(this.#db, 'leases', { name: this.#name, owner: '', expires_at: 0 }, ['name']);
      this.#rowExists = true;
    }
    await this.#db
      .updateTable('leases')
      .set({ owner: this.#owner, expires_at: now + this.#ttlMs })
      .where('name', '=', this.#name)
      .where((eb) => eb.or([eb('owner', '=', this.#owner), eb('expires_at', '<=', now)]))
      .execute();
    const holder = await this.#db
      .selectFrom('leases')
      .select(['owner', 'expires_at'])
      .where('name', '=', this.#name)
      .executeTakeFirstOrThrow();
    this.#heldUntil = holder.owner === this.#owner ? Number(holder.expires_at) : 0;
    return this.#heldUntil > now;
  }

  /** Gives the lease up at once, if it is ours, so another process need not wait for it to expire. */
  async release(): Promise<void> {
    if (this.#heldUntil === 0) return;
    this.#heldUntil = 0;
    await this.#db.updateTable('leases').set({ expires_at: 0 }).where('name', '=', this.#name).where('owner', '=', this.#owner).execute();
  }
}
