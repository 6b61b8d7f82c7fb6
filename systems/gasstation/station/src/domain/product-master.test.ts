import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { followProductChange } from './product-master.ts';

const gas = { productId: 'CD1001', productName: 'GAS', price: 2000 };

describe('the product master following the head office', () => {
  it('takes a new product and announces it with MasterChanged', () => {
    const { master, changed, events } = followProductChange(undefined, { ...gas, resend: false });
    assert.deepEqual(master, gas);
    assert.equal(changed, true);
    assert.deepEqual(events, [{ type: 'gasstation.MasterChanged', aggregateType: 'ProductMaster', aggregateId: 'CD1001', payload: gas }]);
  });

  it('announces a price change, compared by value, and nothing when nothing changed', () => {
    assert.equal(followProductChange(gas, { ...gas, price: 2500, resend: false }).events[0]?.payload.price, 2500);
    assert.deepEqual(followProductChange(gas, { ...gas, resend: false }), { master: gas, changed: false, events: [] });
  });

  it('announces an unchanged master again when the head office resends it', () => {
    const { changed, events } = followProductChange(gas, { ...gas, resend: true });
    assert.equal(changed, false);
    assert.equal(events.length, 1);
  });
});
