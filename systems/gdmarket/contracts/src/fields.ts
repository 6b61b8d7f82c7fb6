import Type, { type Static } from 'typebox';

/**
 * Field schemas shared by GDmarket's events and HTTP bodies. HTTP bodies should reuse them, so a
 * request the edge accepts always yields events that pass their contracts.
 */

/**
 * Generated business numbers (itemNo, reservationNo, paymentNo) and customerId start at 1. Numbers
 * stop at the largest 32-bit integer: the services store them in integer columns on every engine.
 */
export const maxInteger = 2_147_483_647;
export const No = Type.Integer({ minimum: 1, maximum: maxInteger });
export const Price = Type.Integer({ minimum: 0, maximum: maxInteger });
export const Name = Type.String({ minLength: 1, maxLength: 200 });

export const ItemStatus = Type.Union([Type.Literal('Rentable'), Type.Literal('NotRentable')]);
export type ItemStatus = Static<typeof ItemStatus>;

export const RentalStatus = Type.Union([Type.Literal('NotRenting'), Type.Literal('Renting'), Type.Literal('Returned')]);
export type RentalStatus = Static<typeof RentalStatus>;

export const PaymentStatus = Type.Union([Type.Literal('NotPaid'), Type.Literal('Paid')]);
export type PaymentStatus = Static<typeof PaymentStatus>;

export { strictObject } from '@eventide/core';
