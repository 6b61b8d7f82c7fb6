import { sql } from 'kysely';
import type { Generated, Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { clusterByPrimaryKey } from '@eventide/store';
import type { SqlDialect, Store } from '@eventide/store';

/**
 * The platform's own tables in a service's database, migrated with their own migration table so
 * they never clash with the service's migrations.
 * - outbox: messages committed with the change that produced them, until the relay has published them.
 *   `sequence` is the publishing order. Bodies are JSON text, kept exactly as written, on every engine.
 * - inbox: (consumer, message id) of every message a handler has applied; the primary key is the dedupe.
 * - leases: who may run a singleton job (the relay) until when; times are epoch milliseconds.
 */
export interface OutboxTable {
  sequence: Generated<number>;
  message_id: string;
  topic: string;
  message_key: string;
  envelope: string;
  headers: string | null;
  created_at: number;
}

export interface InboxTable {
  consumer: string;
  message_id: string;
  handled_at: number;
}

export interface LeaseTable {
  name: string;
  owner: string;
  expires_at: number;
}

export interface PlatformTables {
  outbox: OutboxTable;
  inbox: InboxTable;
  leases: LeaseTable;
}

export const platformMigrationTable = 'platform_migrations';

/** A store's Kysely (or a transaction of it) seen with the platform tables' types. */
export const platformDb = (db: Kysely<any>): Kysely<PlatformTables> => db;

/** Creates the outbox, inbox and leases tables if they are not there yet. Safe to run from several processes at once. */
export async function preparePlatformTables(store: Store): Promise<void> {
  await store.migrate(platformMigrations(store.dialect), platformMigrationTable);
}

const text = { sqlite: sql`text`, postgres: sql`text`, mysql: sql`longtext character set utf8mb4` } as const;

function platformMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '001_outbox_inbox_leases': {
      up: async (db) => {
        await db.schema
          .createTable('outbox')
          .$call((table) =>
            dialect === 'postgres'
              ? table.addColumn('sequence', 'bigserial', (c) => c.primaryKey())
              : dialect === 'mysql'
                ? table.addColumn('sequence', 'bigint', (c) => c.autoIncrement().primaryKey())
                : table.addColumn('sequence', 'integer', (c) => c.primaryKey().autoIncrement()),
          )
          .addColumn('message_id', 'varchar(191)', (c) => c.notNull())
          .addColumn('topic', 'varchar(255)', (c) => c.notNull())
          .addColumn('message_key', 'varchar(255)', (c) => c.notNull())
          .addColumn('envelope', text[dialect], (c) => c.notNull())
          .addColumn('headers', text[dialect])
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('inbox')
          .addColumn('consumer', 'varchar(191)', (c) => c.notNull())
          .addColumn('message_id', 'varchar(191)', (c) => c.notNull())
          .addColumn('handled_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('inbox_pk', ['consumer', 'message_id'])
          .execute();
        await db.schema
          .createTable('leases')
          .addColumn('name', 'varchar(191)', (c) => c.primaryKey())
          .addColumn('owner', 'varchar(191)', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    // Every handled message inserts an inbox row: on SQLite one page instead of two. PostgreSQL and
    // MariaDB keep theirs (MariaDB's InnoDB already stores a table in its primary key).
    '002_inbox_clustered': {
      up: async (db) => {
        if (dialect === 'sqlite') await clusterByPrimaryKey(db, 'inbox');
      },
    },
  };
}
