/**
 * Gas station: POST /sales at the POS (which takes the stock at the station synchronously before
 * it records the sale); propagation to the station's SalesSummary. The product is the one Order
 * seeds (CD1001), on POS's menu once the product master has reached it through the station;
 * stock may go negative, so no order is needed first.
 */
import { post, read, until, type BenchTarget, type Scenario } from '../lib/scenario.ts';

const productId = 'CD1001';
const summaryQty = async (target: BenchTarget): Promise<number> =>
  (await read<{ qty: number }>(target, 'station-manager', `/salesSummaries/${productId}`))?.qty ?? 0;

const scenario: Scenario = {
  command: { path: '/sales', service: 'gasstation/pos', role: 'pos' },
  async prepare(target) {
    await until(`${productId} on the POS menu`, async () => (await read(target, 'pos', `/productMenus/${productId}`)) !== undefined, 30_000);
    return { productId, qty: 1 };
  },
  propagation: 'POST /sales → the station SalesSummary counts it',
  async propagate(target, sample) {
    const qty = (sample % 9) + 1;
    const before = await summaryQty(target);
    const started = performance.now();
    await post(target, 'pos', '/sales', { productId, qty });
    await until(`SalesSummary of ${productId} at ${before + qty}`, async () => (await summaryQty(target)) === before + qty);
    return performance.now() - started;
  },
};
export default scenario;
