import { AppError, notFound, type DomainEvent } from '@eventide/core';
import { cancelSale, priceSale, recordSale, type PricedSale, type ProductMenu, type Sale, type SaleStatus } from '../domain/sale.ts';

export interface SaleRepository {
  /** The next saleId; never reused. */
  nextSaleId(): Promise<number>;
  add(sale: Sale): Promise<void>;
  find(saleId: number): Promise<{ readonly sale: Sale; readonly status: SaleStatus } | undefined>;
  /** Resolves false when the sale was no longer Sold (a concurrent cancel won). */
  markCancelled(saleId: number): Promise<boolean>;
}

export interface MenuRepository {
  find(productId: string): Promise<ProductMenu | undefined>;
  save(menu: ProductMenu): Promise<void>;
}

/**
 * A sale whose stock decrease was asked of the station under `key` and that is not recorded yet.
 * `calling` while its request runs; `void` once it will not be recorded (the call failed, or the
 * request died): then its decrease, if the station applied it, must be given back.
 */
export interface SaleAttempt extends PricedSale {
  readonly key: string;
}

export interface AttemptRepository {
  open(attempt: SaleAttempt, openedAt: number): Promise<void>;
  /** Removes a `calling` attempt as its sale is recorded; false when it was voided meanwhile. */
  complete(key: string): Promise<boolean>;
  void(key: string): Promise<void>;
  /** Voids the `calling` attempts opened before `openedBefore` (their request died) and resolves every void one. */
  voidStale(openedBefore: number): Promise<SaleAttempt[]>;
  forget(key: string): Promise<void>;
}

/** One unit of work: its changes and the events it emits commit together. */
export interface PosUnit {
  readonly sales: SaleRepository;
  readonly menus: MenuRepository;
  readonly attempts: AttemptRepository;
  readonly emit: (event: DomainEvent) => void;
}

export type Transact = <T>(work: (unit: PosUnit) => Promise<T>) => Promise<T>;

/**
 * The station's stock (POST /stockFlows), called synchronously. `move` applies `qty` (negative: a
 * sale) to the product's stock once per `key`, however often it is called. Resolves 'applied', or
 * 'refused' when the station said no (nothing was applied); rejects with an AppError
 * unavailable/timeout when the station cannot be reached, was too slow or its circuit is open.
 */
export interface StockPort {
  move(key: string, movement: { productId: string; productName: string; qty: number }): Promise<'applied' | 'refused'>;
}

export interface SaleDependencies {
  /** The attempt's own transactions. */
  readonly transact: Transact;
  /** The transaction that records the sale: the request's Idempotency-Key, if any, keys this one only. */
  readonly record: Transact;
  readonly stock: StockPort;
  readonly now: () => number;
  readonly newKey: () => string;
}

/**
 * `POST /sales` (판매): the sale and its stock decrease happen together or not at all (spec
 * E.10.2), without a remote call inside a transaction:
 * 1. the attempt is priced from the menu and stored with a fresh key (committed, no event);
 * 2. the station applies the decrease under that key (idempotent, so retries and re-issues count once);
 * 3. the sale and Sold commit in one transaction that also removes the attempt.
 * When 2 fails the attempt is voided and the caller gets 503 + Retry-After, with no sale and no
 * Sold. A voided attempt, or one whose request died between 1 and 3 (a crash), is settled by
 * settleVoidAttempts: the decrease is given back if the station had applied it.
 * A client's Idempotency-Key keys step 3 only (`record`): the route checks the key before step 1,
 * and a request that lost the race to record under it voids its attempt the same way.
 */
export async function sell(dependencies: SaleDependencies, productId: string, qty: number): Promise<Sale> {
  const { transact, stock } = dependencies;
  const attempt = await transact(async (unit) => {
    const menu = await unit.menus.find(productId);
    if (!menu) throw notFound('product', productId);
    const priced: SaleAttempt = { key: dependencies.newKey(), ...priceSale(menu, qty) };
    await unit.attempts.open(priced, dependencies.now());
    return priced;
  });
  let moved: 'applied' | 'refused';
  try {
    moved = await stock.move(attempt.key, decreaseOf(attempt));
  } catch (error) {
    await transact((unit) => unit.attempts.void(attempt.key));
    throw error;
  }
  if (moved === 'refused') {
    await transact((unit) => unit.attempts.forget(attempt.key));
    throw new Error(`the station refused the stock decrease of a sale of ${productId}: POS sent a call the station cannot take`);
  }
  // Recorded once the work ran and its transaction committed: the work may also not run (a request
  // with the same Idempotency-Key recorded its sale first: its sale is the answer) or roll back after
  // it ran (that request committed meanwhile: a 409).
  let recorded = false;
  try {
    let ran = false;
    const sale = await dependencies.record(async (unit) => {
      if (!(await unit.attempts.complete(attempt.key))) {
        throw new AppError('unavailable', 'the sale took too long and was given up; try again', { retryAfterSeconds: 1 });
      }
      const { sale, events } = recordSale(await unit.sales.nextSaleId(), attempt);
      await unit.sales.add(sale);
      for (const event of events) unit.emit(event);
      ran = true;
      return sale;
    });
    recorded = ran;
    return sale;
  } finally {
    // Not recorded: the attempt is voided, so settling gives its decrease back now rather than once it is stale.
    if (!recorded) await transact((unit) => unit.attempts.void(attempt.key)).catch(() => undefined);
  }
}

/**
 * Gives back the stock of sales that will not be recorded: attempts voided by a failed call, and
 * those still `calling` after `staleAfterMs` (their request died, e.g. kill -9 after the station
 * applied the decrease). Each is settled by re-issuing its decrease under its own key (applied now
 * if it never was, a no-op if it was) and then the increase under `<key>:void`, so the stock ends
 * where it started either way; then the attempt is forgotten. Stops at the first unreachable
 * station call (the next round tries again); resolves how many attempts it settled.
 */
export async function settleVoidAttempts(dependencies: SaleDependencies, staleAfterMs: number): Promise<number> {
  const { transact, stock } = dependencies;
  const attempts = await transact((unit) => unit.attempts.voidStale(dependencies.now() - staleAfterMs));
  for (const attempt of attempts) {
    if ((await stock.move(attempt.key, decreaseOf(attempt))) === 'applied') {
      await stock.move(`${attempt.key}:void`, { ...decreaseOf(attempt), qty: attempt.qty });
    }
    await transact((unit) => unit.attempts.forget(attempt.key));
  }
  return attempts.length;
}

/**
 * `POST /cancelSales` (판매취소): true once cancelled, with CanceledSold; false when the sale was
 * cancelled already (as the original answered for a sale it had deleted); 404 for an unknown saleId.
 */
export async function cancel(unit: PosUnit, saleId: number): Promise<boolean> {
  const found = await unit.sales.find(saleId);
  if (!found) throw notFound('sale', saleId);
  const decision = cancelSale(found.sale, found.status);
  if ('rejection' in decision) return false;
  if (!(await unit.sales.markCancelled(saleId))) return false;
  for (const event of decision.events) unit.emit(event);
  return true;
}

const decreaseOf = (sale: PricedSale) => ({ productId: sale.productId, productName: sale.productName, qty: -sale.qty });
