/**
 * Documents for read models (CQRS views): JSON bodies by id in named collections. Two adapters
 * pass one contract suite: SQL (embedded mode, one table in the service's store) and Redis
 * (distributed mode). Projections change them through applyOnce, so a redelivered event changes
 * nothing; screens read them through get and list.
 */

/** A document is a JSON object; an interface fits (no index signature needed). */
export type DocumentBody = object;

/** A value a `where` field is compared with. Equality only, on top-level fields. */
export type FieldValue = string | number | boolean;

export interface ListQuery<T> {
  /** Zero-based page (as the originals' Spring Data REST), default 0. */
  readonly page?: number;
  /** Page size, default 20. */
  readonly size?: number;
  /** Only documents whose top-level fields equal these values. */
  readonly where?: { readonly [K in keyof T & string]?: T[K] & FieldValue };
}

export interface Page<T> {
  readonly items: T[];
  /** Documents matching the query on every page, for X-Total-Count. */
  readonly total: number;
}

/** What a projection does to a collection: by id, read and write. */
export interface DocumentWriter<T extends DocumentBody> {
  get(id: string): Promise<T | undefined>;
  /** Creates or replaces the document. */
  upsert(id: string, body: T): Promise<void>;
  /** Merges `changes` into the top level of the document; resolves the result, or undefined when there is none. */
  patch(id: string, changes: Partial<T>): Promise<T | undefined>;
  /** Resolves whether there was a document to delete. */
  delete(id: string): Promise<boolean>;
}

/** A collection as screens read it; documents are listed in the order they were first created. */
export interface DocumentCollection<T extends DocumentBody> extends DocumentWriter<T> {
  readonly name: string;
  list(query?: ListQuery<T>): Promise<Page<T>>;
}

/** The collections a projection changes inside one applyOnce. */
export interface DocumentSession {
  collection<T extends DocumentBody>(name: string): DocumentWriter<T>;
}

/** One event's change for applyEachOnce. */
export interface DocumentChange {
  readonly eventId: string;
  readonly mutate: (session: DocumentSession) => Promise<void>;
}

export interface Documents {
  /** 'sql' or 'redis', for logs and readiness. */
  readonly kind: string;
  collection<T extends DocumentBody>(name: string): DocumentCollection<T>;
  /**
   * Runs `mutate` and records `(consumer, eventId)` atomically with its changes: either both
   * happen or neither. When the pair is already recorded, `mutate` is not run and nothing changes:
   * 'duplicate'. `mutate` may run more than once (the Redis adapter retries it when a document it
   * read changed meanwhile, the SQL adapter when one it read as absent was created meanwhile), so it
   * must only read and write through the session.
   */
  applyOnce(consumer: string, eventId: string, mutate: (session: DocumentSession) => Promise<void>): Promise<'applied' | 'duplicate'>;
  /**
   * applyOnce for several events in order. The SQL adapter applies them in one transaction (all
   * or, when one `mutate` throws, none); the Redis adapter one after another, each atomic on its
   * own. Either way a rejection may leave some of the events before the failing one applied, with
   * their markers, so applying the same list again is safe.
   */
  applyEachOnce(consumer: string, changes: readonly DocumentChange[]): Promise<Array<'applied' | 'duplicate'>>;
  /**
   * Forgets what a projection built, for a rebuild: deletes every document of `collections` and
   * every dedupe marker of `consumer`, atomically, so the events can be applied again from scratch.
   */
  clear(consumer: string, collections: readonly string[]): Promise<void>;
  /** Rejects with AppError('unavailable') when the backing store does not answer. */
  ping(): Promise<void>;
  /** Releases what the adapter opened itself (the Redis connection); a store passed in stays open. */
  close(): Promise<void>;
}

export const defaultPageSize = 20;

const fieldName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Field names reach JSON paths in SQL: only plain identifiers are accepted (a programming error otherwise). */
export function whereEntries(where: Readonly<Record<string, unknown>> | undefined): [string, FieldValue][] {
  return Object.entries(where ?? {}).flatMap(([field, value]) => {
    if (value === undefined) return [];
    if (!fieldName.test(field)) throw new TypeError(`where: "${field}" is not a plain field name`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new TypeError(`where: ${field} must be compared with a string, number or boolean`);
    }
    return [[field, value]];
  });
}

/** Page bounds, validated: a negative page or a size below 1 is a programming error (HTTP validates first). */
export function pageBounds(query: ListQuery<unknown> | undefined): { offset: number; size: number } {
  const page = query?.page ?? 0;
  const size = query?.size ?? defaultPageSize;
  if (!Number.isInteger(page) || page < 0) throw new RangeError(`page must be an integer >= 0, got ${page}`);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be an integer >= 1, got ${size}`);
  return { offset: page * size, size };
}
