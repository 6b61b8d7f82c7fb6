import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractRegistry, type Decision } from '@eventide/core';
import { gdmarketEvents } from '@gdmarket/contracts';
import { approvePayment, cancelPayment, paymentRules, type Payment, type PaymentEvent } from './payment.ts';

const approval = { paymentNo: 1, reservationNo: 1, itemNo: 1, itemPrice: 100 };
const payment: Payment = { paymentNo: 1, reservationNo: 1, itemNo: 1, itemPrice: 100, paymentStatus: 'Paid' };

describe('approving a payment', () => {
  it('stores a Paid payment and announces PaymentApproved in the reservation’s flow', () => {
    assert.deepEqual(approvePayment(undefined, approval), {
      ok: true,
      events: [
        {
          type: 'gdmarket.PaymentApproved',
          aggregateType: 'Payment',
          aggregateId: 1,
          correlationId: 1,
          payload: { paymentNo: 1, reservationNo: 1, itemPrice: 100, paymentStatus: 'Paid', itemNo: 1 },
        },
      ],
      payment,
    });
  });

  it('keys the payment by the number it was given and ties it to its reservation', () => {
    const change = approvePayment(undefined, { ...approval, paymentNo: 5, reservationNo: 3 });
    assert.ok(change.ok);
    assert.equal(change.payment?.paymentNo, 5);
    assert.equal(change.events[0]?.aggregateId, 5);
    assert.equal(change.events[0]?.correlationId, 3);
  });

  it('returns the existing payment unchanged when the same reservation is approved again, so a retry pays once', () => {
    assert.deepEqual(approvePayment(payment, { ...approval, paymentNo: 2 }), { ok: true, events: [], payment });
  });

  it('refuses a second, different payment for the same reservation, naming the first', () => {
    assert.deepEqual(approvePayment(payment, { ...approval, paymentNo: 2, itemPrice: 90 }), {
      ok: false,
      rejection: paymentRules.onePerReservation(1, 1),
    });
  });
});

describe('cancelling a payment', () => {
  it('removes the payment and announces PaymentCanceled as NotPaid in the reservation’s flow', () => {
    assert.deepEqual(cancelPayment(payment), {
      ok: true,
      events: [
        {
          type: 'gdmarket.PaymentCanceled',
          aggregateType: 'Payment',
          aggregateId: 1,
          correlationId: 1,
          payload: { paymentNo: 1, paymentStatus: 'NotPaid', reservationNo: 1, itemNo: 1, itemPrice: 100 },
        },
      ],
      payment: null,
    });
  });
});

describe('a payment change', () => {
  it('is a platform Decision, so the edge maps a payment’s rejection like any other', () => {
    const decision: Decision<PaymentEvent> = approvePayment(payment, { ...approval, itemPrice: 90 });
    assert.deepEqual(decision, {
      ok: false,
      rejection: { code: 'conflict', rule: 'reservation 1 is already paid by payment 1, for another item or price' },
    });
  });

  it('announces only events that pass their published contracts', () => {
    const contracts = new ContractRegistry(gdmarketEvents);
    const events = [approvePayment(undefined, approval), cancelPayment(payment)].flatMap((change) => (change.ok ? change.events : []));
    assert.equal(events.length, 2);
    for (const event of events) assert.deepEqual(contracts.get(event.type)?.check(event.payload), [], event.type);
  });
});
