import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { classifyError } from './classify-error.ts';

/**
 * Wraps a dialect so that every error its driver raises, from connecting to committing, goes
 * through classifyError: callers of `db` and of transactions get AppError('conflict') or
 * AppError('unavailable') whichever way they reached the database. Kysely has no error hook for
 * plugins, so this sits at the driver. The driver's own methods are called with its own
 * connection objects (drivers keep private state on them), hence the two-way map.
 */
export function classifyingDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: (): DialectAdapter => dialect.createAdapter(),
    createQueryCompiler: (): QueryCompiler => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<any>): DatabaseIntrospector => dialect.createIntrospector(db),
    createDriver: (): Driver => new ClassifyingDriver(dialect.createDriver()),
  };
}

async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw classifyError(error) ?? error;
  }
}

class ClassifyingDriver implements Driver {
  readonly #driver: Driver;
  readonly #inner = new WeakMap<DatabaseConnection, DatabaseConnection>();
  readonly #outer = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(driver: Driver) {
    this.#driver = driver;
  }

  init(...args: Parameters<Driver['init']>): Promise<void> {
    return classified(() => this.#driver.init(...args));
  }

  async acquireConnection(...args: Parameters<Driver['acquireConnection']>): Promise<DatabaseConnection> {
    const inner = await classified(() => this.#driver.acquireConnection(...args));
    let outer = this.#outer.get(inner);
    if (!outer) {
      outer = wrapConnection(inner);
      this.#outer.set(inner, outer);
      this.#inner.set(outer, inner);
    }
    return outer;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return classified(() => this.#driver.beginTransaction(this.#unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return classified(() => this.#driver.commitTransaction(this.#unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return classified(() => this.#driver.rollbackTransaction(this.#unwrap(connection)));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return classified(() => this.#savepointMethod('savepoint')(this.#unwrap(connection), name, compile));
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return classified(() => this.#savepointMethod('rollbackToSavepoint')(this.#unwrap(connection), name, compile));
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return classified(() => this.#savepointMethod('releaseSavepoint')(this.#unwrap(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection, ...rest: unknown[]): Promise<void> {
    return this.#driver.releaseConnection(this.#unwrap(connection), ...(rest as []));
  }

  destroy(...args: Parameters<Driver['destroy']>): Promise<void> {
    return this.#driver.destroy(...args);
  }

  #unwrap(connection: DatabaseConnection): DatabaseConnection {
    const inner = this.#inner.get(connection);
    if (!inner) throw new Error('connection was not acquired through this driver');
    return inner;
  }

  #savepointMethod(name: 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint') {
    const method = this.#driver[name];
    if (!method) throw new Error(`the ${name} method is not supported by this driver`);
    return method.bind(this.#driver);
  }
}

function wrapConnection(inner: DatabaseConnection): DatabaseConnection {
  const outer: DatabaseConnection = {
    executeQuery: <R>(query: CompiledQuery, ...rest: unknown[]): Promise<QueryResult<R>> =>
      classified(() => inner.executeQuery<R>(query, ...(rest as []))),
    async *streamQuery<R>(query: CompiledQuery, chunkSize: number, ...rest: unknown[]): AsyncIterableIterator<QueryResult<R>> {
      try {
        yield* inner.streamQuery<R>(query, chunkSize, ...(rest as []));
      } catch (error) {
        throw classifyError(error) ?? error;
      }
    },
  };
  // Optional capabilities that Kysely's abort handling probes for.
  return Object.assign(
    outer,
    inner.collectSessionInfo && { collectSessionInfo: inner.collectSessionInfo.bind(inner) },
    inner.killSession && { killSession: inner.killSession.bind(inner) },
    inner.cancelQuery && { cancelQuery: inner.cancelQuery.bind(inner) },
  );
}
