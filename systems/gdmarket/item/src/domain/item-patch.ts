import type { Rejection } from '@eventide/core';
import type { ItemStatus, RentalStatus } from '@gdmarket/contracts';
import { lendItem, returnItem, type Item, type ItemChange } from './item.ts';

/** The fields of `PATCH /items/{itemNo}` (spec D.3): the seed lends and returns this way. */
export interface ItemPatch {
  readonly itemNo?: number;
  readonly itemName?: string;
  readonly itemPrice?: number;
  readonly itemStatus?: ItemStatus;
  readonly rentalStatus?: RentalStatus;
  readonly reservationNo?: number;
}

export const itemPatchRules = {
  fixed: (field: string): Rejection => ({ code: 'validation', field: `/${field}`, rule: `${field} cannot be changed` }),
  derived: (expected: ItemStatus): Rejection => ({
    code: 'validation',
    field: '/itemStatus',
    rule: `itemStatus follows reservations and rentalStatus; here it can only be ${expected}`,
  }),
  notRentingByPatch: { code: 'validation', field: '/rentalStatus', rule: 'rentalStatus returns to NotRenting only through a new reservation' },
  reservationWithRental: { code: 'validation', field: '/reservationNo', rule: 'reservationNo changes only with rentalStatus Renting or Returned' },
} as const satisfies Record<string, Rejection | ((...args: never[]) => Rejection)>;

/**
 * Turns a PATCH into the command it means: rentalStatus Renting lends, Returned returns. A field
 * equal to the item's current value is no change, so repeating a PATCH is a no-op (200 again).
 * itemStatus may be sent, as the seed does, but only with the value the item will have.
 */
export function patchItem(item: Item, patch: ItemPatch): ItemChange {
  for (const field of ['itemNo', 'itemName', 'itemPrice'] as const) {
    if (patch[field] !== undefined && patch[field] !== item[field]) return refuse(itemPatchRules.fixed(field));
  }
  const sameReservation = patch.reservationNo === undefined || patch.reservationNo === item.reservationNo;
  const rental = patch.rentalStatus === undefined || (patch.rentalStatus === item.rentalStatus && sameReservation) ? undefined : patch.rentalStatus;

  if (rental === 'NotRenting') return refuse(itemPatchRules.notRentingByPatch);
  if (rental === undefined && !sameReservation) return refuse(itemPatchRules.reservationWithRental);
  const expectedStatus = rental === 'Renting' ? 'NotRentable' : rental === 'Returned' ? 'Rentable' : item.itemStatus;
  if (patch.itemStatus !== undefined && patch.itemStatus !== expectedStatus) return refuse(itemPatchRules.derived(expectedStatus));

  const forReservation = patch.reservationNo === undefined ? {} : { reservationNo: patch.reservationNo };
  if (rental === 'Renting') return lendItem(item, forReservation);
  if (rental === 'Returned') return returnItem(item, forReservation);
  return { ok: true, events: [], item };
}

const refuse = (rejection: Rejection): ItemChange => ({ ok: false, rejection });
