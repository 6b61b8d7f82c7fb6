import { Redis } from 'ioredis';
import { AppError } from '@eventide/core';
import { classifyError } from '../classify-error.ts';
import type { Logger } from '../logger.ts';
import { pageBounds, whereEntries } from './port.ts';
import type { DocumentBody, DocumentCollection, Documents, DocumentSession, DocumentWriter, ListQuery, Page } from './port.ts';
import { documentScripts } from './redis-scripts.ts';

/**
 * The Redis adapter of the Documents port, for distributed mode. Keys, all under one hash tag so a
 * cluster keeps them in one slot (the scripts touch several):
 * - `{ns}:docs:<collection>`  hash, id -> JSON body
 * - `{ns}:order:<collection>` sorted set, id -> creation position (list order, as the SQL adapter)
 * - `{ns}:seq`                the position counter
 * - `{ns}:applied:<consumer>` set of the event ids applied by that consumer (applyOnce's marker)
 * `where` filters by scanning the collection in Node (Redis has no secondary index here): fine for
 * views of thousands of documents, not millions.
 */
export interface RedisDocumentsOptions {
  /** Prefix of every key, so that services and tests sharing a server never collide (default 'documents'). */
  readonly namespace?: string;
  readonly logger?: Logger;
  /** How many times applyOnce re-runs a projection whose read documents changed meanwhile (default 50). */
  readonly maxAttempts?: number;
}

export async function openRedisDocuments(url: string, options: RedisDocumentsOptions = {}): Promise<Documents> {
  const { namespace = 'documents', logger, maxAttempts = 50 } = options;
  // A command fails after two reconnection attempts rather than queueing for seconds, so that a
  // read answers 503 quickly while Redis is away; and after commandTimeoutMs without an answer, so
  // that a server that is there but hung (stopped, partitioned with the connection open) does too,
  // rather than holding every read and every projection for as long as it hangs.
  const redis = new Redis(url, { maxRetriesPerRequest: 2, commandTimeout: commandTimeoutMs, scripts: documentScripts });
  redis.on('error', (error: Error) => logger?.warn({ err: error }, 'redis: connection error'));
  const keys = new KeySpace(namespace);
  const applyOnce: Documents['applyOnce'] = async (consumer, eventId, mutate) => {
      const marker = keys.applied(consumer);
      for (let attempt = 1; ; attempt += 1) {
        if ((await guard(redis.sismember(marker, eventId))) === 1) return 'duplicate';
        const session = new Session(redis, keys);
        await mutate(session);
        const outcome = await session.commit(marker, eventId);
        if (outcome === 1) return 'applied';
        if (outcome === 0) return 'duplicate';
        if (attempt >= maxAttempts) throw contended(maxAttempts);
      }
  };
  return {
    kind: 'redis',
    collection: <T extends DocumentBody>(name: string) => new RedisCollection<T>(redis, keys, name, maxAttempts),
    applyOnce,
    applyEachOnce: async (consumer, changes) => {
      const outcomes: Array<'applied' | 'duplicate'> = [];
      for (const { eventId, mutate } of changes) outcomes.push(await applyOnce(consumer, eventId, mutate));
      return outcomes;
    },
    clear: async (consumer, collections) => {
      // One DEL of keys under one hash tag: atomic, as the commit script is.
      await guard(redis.del(keys.applied(consumer), ...collections.flatMap((name) => [keys.docs(name), keys.order(name)])));
    },
    ping: async () => {
      await guard(redis.ping());
    },
    close: async () => {
      // QUIT waits for the server's answer; a server that is away or hung gets the socket closed instead.
      if (redis.status !== 'end') await redis.quit().catch(() => redis.disconnect());
    },
  };
}

class KeySpace {
  readonly #tag: string;

  constructor(namespace: string) {
    this.#tag = `{${namespace}}`;
  }

  docs = (collection: string): string => `${this.#tag}:docs:${collection}`;
  order = (collection: string): string => `${this.#tag}:order:${collection}`;
  applied = (consumer: string): string => `${this.#tag}:applied:${consumer}`;
  get seq(): string {
    return `${this.#tag}:seq`;
  }
}

const redisUnavailable = /^(Connection is closed|Reached the max retries per request limit|Stream isn't writeable)/;

/**
 * Redis answers these commands in well under a millisecond; one unanswered for 2 s is a hung server
 * (a late answer to a write is safe: applyOnce's marker makes its retry a duplicate).
 */
const commandTimeoutMs = 2_000;

async function guard<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    if (error instanceof Error && redisUnavailable.test(error.message)) {
      throw new AppError('unavailable', `redis unavailable: ${error.message}`, { cause: error, retryAfterSeconds: 1 });
    }
    if (error instanceof Error && error.message === 'Command timed out') {
      throw new AppError('timeout', `redis did not answer within ${commandTimeoutMs} ms`, { cause: error, retryAfterSeconds: 1 });
    }
    throw classifyError(error) ?? error;
  }
}

const contended = (attempts: number): AppError =>
  new AppError('unavailable', `documents kept changing under ${attempts} attempts`, { retryAfterSeconds: 1 });

/**
 * Reads through to Redis, remembering what it read; buffers writes. commit() hands both to the
 * commit script, which applies the writes only if nothing read has changed since.
 */
class Session implements DocumentSession {
  readonly #redis: Redis;
  readonly #keys: KeySpace;
  readonly #collections: string[] = [];
  /** `<collection index>\n<id>` -> body as read ('' = absent) or as written ('' = deleted). */
  readonly #reads = new Map<string, string>();
  readonly #writes = new Map<string, string>();

  constructor(redis: Redis, keys: KeySpace) {
    this.#redis = redis;
    this.#keys = keys;
  }

  collection<T extends DocumentBody>(name: string): DocumentWriter<T> {
    let index = this.#collections.indexOf(name);
    if (index < 0) index = this.#collections.push(name) - 1;
    const slot = (id: string): string => `${index}\n${id}`;
    const get = async (id: string): Promise<T | undefined> => {
      const key = slot(id);
      let body = this.#writes.get(key) ?? this.#reads.get(key);
      if (body === undefined) {
        body = (await guard(this.#redis.hget(this.#keys.docs(name), id))) ?? '';
        this.#reads.set(key, body);
      }
      return body === '' ? undefined : (JSON.parse(body) as T);
    };
    return {
      get,
      upsert: async (id, body) => {
        this.#writes.set(slot(id), JSON.stringify(body));
      },
      patch: async (id, changes) => {
        const current = await get(id);
        if (current === undefined) return undefined;
        const patched = { ...current, ...changes };
        this.#writes.set(slot(id), JSON.stringify(patched));
        return patched;
      },
      delete: async (id) => {
        if ((await get(id)) === undefined) return false;
        this.#writes.set(slot(id), '');
        return true;
      },
    };
  }

  /** 1 applied, 0 duplicate, -1 a document read has changed since. */
  async commit(marker: string, eventId: string): Promise<number> {
    const keys = [marker, this.#keys.seq, ...this.#collections.flatMap((name) => [this.#keys.docs(name), this.#keys.order(name)])];
    const triples = (entries: Map<string, string>): string[] =>
      [...entries].flatMap(([key, body]) => {
        const split = key.indexOf('\n');
        return [key.slice(0, split), key.slice(split + 1), body];
      });
    const args = [eventId, String(this.#reads.size), String(this.#writes.size), ...triples(this.#reads), ...triples(this.#writes)];
    return guard(this.#redis.documentsCommit(keys.length, ...keys, ...args));
  }
}

class RedisCollection<T extends DocumentBody> implements DocumentCollection<T> {
  readonly name: string;
  readonly #redis: Redis;
  readonly #keys: KeySpace;
  readonly #maxAttempts: number;

  constructor(redis: Redis, keys: KeySpace, name: string, maxAttempts: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.name = name;
    this.#maxAttempts = maxAttempts;
  }

  async get(id: string): Promise<T | undefined> {
    const body = await guard(this.#redis.hget(this.#keys.docs(this.name), id));
    return body === null ? undefined : (JSON.parse(body) as T);
  }

  upsert(id: string, body: T): Promise<void> {
    return this.#write((writer) => writer.upsert(id, body));
  }

  patch(id: string, changes: Partial<T>): Promise<T | undefined> {
    return this.#write((writer) => writer.patch(id, changes));
  }

  delete(id: string): Promise<boolean> {
    return this.#write((writer) => writer.delete(id));
  }

  async list(query?: ListQuery<T>): Promise<Page<T>> {
    const { offset, size } = pageBounds(query);
    const where = whereEntries(query?.where);
    const docs = this.#keys.docs(this.name);
    const order = this.#keys.order(this.name);
    if (where.length === 0) {
      const [total, ...bodies] = await guard(this.#redis.documentsPage(docs, order, offset, offset + size - 1));
      return { items: bodies.map((body) => JSON.parse(String(body)) as T), total: Number(total) };
    }
    const replies = await guard(this.#redis.multi().zrange(order, 0, -1).hgetall(docs).exec());
    const [[, ids], [, bodies]] = replies as [[unknown, string[]], [unknown, Record<string, string>]];
    const matching = ids
      .map((id) => JSON.parse(bodies[id] ?? 'null') as Record<string, unknown>)
      .filter((body) => where.every(([field, value]) => body[field] === value));
    return { items: matching.slice(offset, offset + size) as unknown as T[], total: matching.length };
  }

  /** A write outside applyOnce: the same compare-and-set commit, with no marker. */
  async #write<R>(change: (writer: DocumentWriter<T>) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt += 1) {
      const session = new Session(this.#redis, this.#keys);
      const result = await change(session.collection<T>(this.name));
      if ((await session.commit(this.#keys.applied(''), '')) === 1) return result;
      if (attempt >= this.#maxAttempts) throw contended(this.#maxAttempts);
    }
  }
}
