import { startFakeUpstream, type FakeUpstream } from '@eventide/testing';
import type { StockOutcomeBody } from '@gasstation/contracts';

/**
 * A hand-written station speaking the outcome contract (contracts/stock-api.ts): POST /stockFlows
 * moves a product's stock by qty once per Idempotency-Key (a retry with the same body answers
 * true again, another body under the same key 409). Held, it applies and answers late, as the real
 * station does when slow.
 */
export interface FakeStation extends FakeUpstream {
  /** Stock by productId: the sum of the applied movements. */
  readonly stock: Map<string, number>;
  /** Applied movements by Idempotency-Key. */
  readonly applied: Map<string, StockOutcomeBody>;
}

export async function startFakeStation(): Promise<FakeStation> {
  const stock = new Map<string, number>();
  const applied = new Map<string, StockOutcomeBody>();
  const upstream = await startFakeUpstream(({ method, url, headers, body }) => {
    const key = headers['idempotency-key'];
    if (method !== 'POST' || url.pathname !== '/stockFlows' || typeof key !== 'string') {
      return { status: 404, body: { status: 404, detail: 'no such route, or no Idempotency-Key' } };
    }
    const movement = JSON.parse(body) as StockOutcomeBody;
    const earlier = applied.get(key);
    if (earlier && JSON.stringify(earlier) !== JSON.stringify(movement)) return { status: 409, body: { status: 409, detail: 'key reused' } };
    if (!earlier) {
      applied.set(key, movement);
      stock.set(movement.productId, (stock.get(movement.productId) ?? 0) + movement.qty);
    }
    return { status: 200, body: true };
  });
  return Object.assign(upstream, { stock, applied });
}
