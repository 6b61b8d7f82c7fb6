import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { executeCompiled } from '../compiled-once.ts';

interface Unit<DB> {
  readonly work: (trx: Transaction<DB>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

const savepoint = CompiledQuery.raw('savepoint unit');
const rollbackToSavepoint = CompiledQuery.raw('rollback to unit');
const releaseSavepoint = CompiledQuery.raw('release unit');

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Group commit on SQLite: the transactions asked for while another batch runs, or in the same
 * turn of the event loop, run one after another inside one SQLite transaction, each in a savepoint
 * of its own, and commit together. Why: a commit is most of what a small transaction costs SQLite
 * (writing its pages to the WAL); fifty concurrent requests paid it fifty times.
 *
 * Each unit still commits or fails alone: one that throws is rolled back to its savepoint and
 * rejects, the others commit. Every unit learns its outcome only after the shared COMMIT, so what
 * a caller does once `transaction()` resolves (answer a request, wake the outbox relay) never
 * follows work that could still roll back. A failed COMMIT rejects every unit of the batch.
 *
 * Only SQLite: its one connection per process runs transactions one at a time anyway, so a unit
 * sees exactly what it would have seen alone. On PostgreSQL and MariaDB a batch would hold each
 * unit's locks until the last one finished.
 */
export function groupCommit<DB>(db: Kysely<DB>): <T>(work: (trx: Transaction<DB>) => Promise<T>) => Promise<T> {
  let queued: Unit<DB>[] = [];
  let draining = false;

  const drain = async () => {
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      await (batch.length === 1 ? alone(batch[0]!) : together(batch));
    }
    draining = false;
  };

  const alone = (unit: Unit<DB>) => db.transaction().execute(unit.work).then(unit.resolve, unit.reject);

  const together = async (batch: readonly Unit<DB>[]) => {
    let trx;
    try {
      trx = await db.startTransaction().execute();
    } catch (error) {
      for (const unit of batch) unit.reject(error);
      return;
    }
    const outcomes: Outcome[] = [];
    try {
      for (const unit of batch) {
        await executeCompiled(trx, savepoint);
        try {
          outcomes.push({ ok: true, value: await unit.work(trx) });
        } catch (error) {
          // A failure SQLite itself rolled back the whole transaction for ends here, at the savepoint.
          await executeCompiled(trx, rollbackToSavepoint);
          outcomes.push({ ok: false, error });
        }
        await executeCompiled(trx, releaseSavepoint);
      }
      await trx.commit().execute();
    } catch (error) {
      await trx.rollback().execute().catch(() => undefined);
      for (const unit of batch) unit.reject(error);
      return;
    }
    batch.forEach((unit, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  };

  return <T>(work: (trx: Transaction<DB>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (draining) return;
      draining = true;
      // After the I/O callbacks of this turn: requests that arrived together commit together.
      setImmediate(() => void drain());
    });
}
