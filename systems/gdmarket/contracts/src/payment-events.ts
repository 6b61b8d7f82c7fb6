import type { PayloadOf } from '@eventide/core';
import Type from 'typebox';
import { gdmarketEvent } from './event.ts';
import { No, Price, strictObject } from './fields.ts';

/** Published by payment on `gdmarket.payment`; nobody consumes it yet (as in the original). */
export const PaymentApproved = gdmarketEvent(
  'PaymentApproved',
  strictObject({
    paymentNo: No,
    reservationNo: No,
    itemPrice: Price,
    paymentStatus: Type.Literal('Paid'),
    itemNo: No,
  }),
);

/**
 * One l, as in the seed. The original built it and never published it; here it is published
 * after the cancel commits. paymentNo is added: the original left it null.
 */
export const PaymentCanceled = gdmarketEvent(
  'PaymentCanceled',
  strictObject({
    paymentNo: No,
    paymentStatus: Type.Literal('NotPaid'),
    reservationNo: No,
    itemNo: No,
    itemPrice: Price,
  }),
);

export const paymentEvents = [PaymentApproved, PaymentCanceled] as const;

export type PaymentApprovedPayload = PayloadOf<typeof PaymentApproved>;
export type PaymentCanceledPayload = PayloadOf<typeof PaymentCanceled>;
