import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, ContractRegistry, defineEvent } from '@eventide/core';
import { Type } from 'typebox';
import type { Delivery } from '../port.ts';
import { delivery } from '../../test/support/fakes.ts';
import { validatePayload } from './validate-payload.ts';

const contracts = new ContractRegistry([defineEvent('test.Priced', Type.Object({ price: Type.Integer({ minimum: 0 }) }))]);

function recorder(): { handled: Delivery[]; handle: (d: Delivery) => Promise<void> } {
  const handled: Delivery[] = [];
  return { handled, handle: async (d) => void handled.push(d) };
}

describe('validatePayload', () => {
  it('hands a payload that conforms to its contract to the handler', async () => {
    const { handled, handle } = recorder();
    const d = delivery('test.Priced', { price: 12 });
    await validatePayload(contracts)(handle)(d);
    assert.deepEqual(handled, [d]);
  });

  it('rejects a payload that breaks its contract with a validation AppError naming the field, without calling the handler', async () => {
    const { handled, handle } = recorder();
    const rejection = await validatePayload(contracts)(handle)(delivery('test.Priced', { price: 'twelve' })).then(
      () => assert.fail('expected a rejection'),
      (error: unknown) => error,
    );
    assert.ok(rejection instanceof AppError);
    assert.equal(rejection.code, 'validation');
    assert.equal(rejection.canRetry, false);
    assert.deepEqual(rejection.violations.map((v) => v.field), ['/price']);
    assert.match(rejection.message, /test\.Priced/);
    assert.deepEqual(handled, []);
  });

  it('lets events of a type it has no contract for through untouched', async () => {
    const { handled, handle } = recorder();
    const d = delivery('other.Whatever', { anything: true });
    await validatePayload(contracts)(handle)(d);
    assert.deepEqual(handled, [d]);
  });
});
