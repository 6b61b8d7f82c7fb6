import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractRegistry } from '@eventide/core';
import { Compile } from 'typebox/compile';
import {
  ApprovePaymentBody,
  cancelPaymentPath,
  gdmarketEvents,
  ItemDeleted,
  ItemRegistered,
  PaymentApproved,
  PaymentCanceled,
  PaymentResource,
  RentedItem,
  ReservationCancelled,
  Reserved,
  ReturnedItem,
  topics,
} from './index.ts';

const camera = { itemNo: 1, itemName: 'Camera', itemStatus: 'Rentable', itemPrice: 100, rentalStatus: 'NotRenting' };
const reserved = {
  reservationNo: 1,
  customerName: 'YoungEunSong',
  customerId: 1,
  itemNo: 1,
  itemName: 'Camera',
  itemStatus: 'NotRentable',
  itemPrice: 100,
};

describe('GDmarket event contracts', () => {
  it('name every event gdmarket.<EventName> with the seed spelling, ReservationCancelled with two l and PaymentCanceled with one', () => {
    assert.deepEqual(
      gdmarketEvents.map((c) => c.type),
      [
        'gdmarket.ItemRegistered',
        'gdmarket.RentedItem',
        'gdmarket.ReturnedItem',
        'gdmarket.ItemDeleted',
        'gdmarket.Reserved',
        'gdmarket.ReservationCancelled',
        'gdmarket.PaymentApproved',
        'gdmarket.PaymentCanceled',
      ],
    );
  });

  it('fit in one contract registry, so a service can know them all', () => {
    assert.equal(new ContractRegistry(gdmarketEvents).all.length, 8);
  });

  it('publish on one topic per producing service', () => {
    assert.deepEqual(topics, { item: 'gdmarket.item', reservation: 'gdmarket.reservation', payment: 'gdmarket.payment' });
  });

  it('accept the payloads of the seed scenario', () => {
    const cases = [
      [ItemRegistered, camera],
      [RentedItem, { itemNo: 1, reservationNo: 1, rentalStatus: 'Renting' }],
      [ReturnedItem, { itemNo: 1, reservationNo: 1, rentalStatus: 'Returned' }],
      [ItemDeleted, { itemNo: 1 }],
      [Reserved, reserved],
      [ReservationCancelled, { reservationNo: 1, customerName: 'YoungEunSong', customerId: 1, itemStatus: 'Rentable', itemNo: 1 }],
      [PaymentApproved, { paymentNo: 1, reservationNo: 1, itemPrice: 100, paymentStatus: 'Paid', itemNo: 1 }],
      [PaymentCanceled, { paymentNo: 1, paymentStatus: 'NotPaid', reservationNo: 1, itemNo: 1, itemPrice: 100 }],
    ] as const;
    for (const [contract, payload] of cases) assert.deepEqual(contract.check(payload), [], contract.type);
  });

  it('reject a number sent as a string, as httpie sends it, because the edge must convert it first', () => {
    assert.notDeepEqual(ItemRegistered.check({ ...camera, itemPrice: '100' }), []);
  });

  it('reject fractional prices and numbers below 1', () => {
    assert.notDeepEqual(ItemRegistered.check({ ...camera, itemPrice: 99.5 }), []);
    assert.notDeepEqual(ItemRegistered.check({ ...camera, itemNo: 0 }), []);
  });

  it('reject numbers beyond 32 bits, which no integer column of the services could store', () => {
    assert.notDeepEqual(ItemRegistered.check({ ...camera, itemPrice: 2_147_483_648 }), []);
    assert.deepEqual(ItemRegistered.check({ ...camera, itemPrice: 2_147_483_647 }), []);
  });

  it('reject a field the contract does not name', () => {
    assert.notDeepEqual(ItemDeleted.check({ itemNo: 1, itemName: null }), []);
  });

  it('reject a missing field and name it', () => {
    const { customerId: _, ...withoutCustomer } = reserved;
    const violations = Reserved.check(withoutCustomer);
    assert.ok(violations.some((v) => v.rule.includes('customerId')), JSON.stringify(violations));
  });

  it('fix the status an event implies: a registered item is Rentable, a reserved one NotRentable', () => {
    assert.notDeepEqual(ItemRegistered.check({ ...camera, itemStatus: 'NotRentable' }), []);
    assert.notDeepEqual(Reserved.check({ ...reserved, itemStatus: 'Rentable' }), []);
    assert.notDeepEqual(RentedItem.check({ itemNo: 1, reservationNo: 1, rentalStatus: 'Returned' }), []);
  });
});

describe('the payment HTTP contract', () => {
  const body = Compile(ApprovePaymentBody);
  const resource = Compile(PaymentResource);

  it('takes the body reservation sent in the original, with or without paymentStatus Paid', () => {
    assert.ok(body.Check({ paymentStatus: 'Paid', reservationNo: 1, itemNo: 1, itemPrice: 100 }));
    assert.ok(body.Check({ reservationNo: 1, itemNo: 1, itemPrice: 100 }));
  });

  it('refuses to approve a payment that is not Paid', () => {
    assert.equal(body.Check({ paymentStatus: 'NotPaid', reservationNo: 1, itemNo: 1, itemPrice: 100 }), false);
  });

  it('answers with a payment that carries its paymentNo', () => {
    assert.ok(resource.Check({ paymentNo: 1, reservationNo: 1, itemNo: 1, itemPrice: 100, paymentStatus: 'Paid' }));
    assert.equal(resource.Check({ reservationNo: 1, itemNo: 1, itemPrice: 100, paymentStatus: 'Paid' }), false);
  });

  it('cancels by reservationNo, not by passing reservationNo as a paymentNo', () => {
    assert.equal(cancelPaymentPath(7), '/payments?reservationNo=7');
  });
});
