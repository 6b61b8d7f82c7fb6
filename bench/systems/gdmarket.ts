/** GDmarket: POST /reservations (reservation pays synchronously through payment); propagation to item's status. */
import { post, read, until, type BenchTarget, type Scenario } from '../lib/scenario.ts';

const reservation = (itemNo: number) => ({ customerName: 'Bench', customerId: 1, itemNo, itemName: 'Camera', itemPrice: 100 });

const scenario: Scenario = {
  command: { path: '/reservations', service: 'gdmarket/reservation', role: 'renter' },
  async prepare(target) {
    const { itemNo } = await post<{ itemNo: number }>(target, 'item-manager', '/items', { itemName: 'Camera', itemPrice: 100 });
    return reservation(itemNo);
  },
  propagation: 'POST /reservations → the item shows NotRentable',
  async propagate(target: BenchTarget, sample: number) {
    const { itemNo } = await post<{ itemNo: number }>(target, 'item-manager', '/items', { itemName: `thing-${sample}`, itemPrice: 10 });
    const started = performance.now();
    await post(target, 'renter', '/reservations', reservation(itemNo));
    await until(`item ${itemNo} NotRentable`, async () => (await read<{ itemStatus: string }>(target, 'renter', `/items/${itemNo}`))?.itemStatus === 'NotRentable');
    return performance.now() - started;
  },
};
export default scenario;
