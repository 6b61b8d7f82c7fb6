import type { Rejection } from '@eventide/core';
import type {
  Emitted,
  ItemDeleted,
  ItemRegistered,
  ItemStatus,
  RentalStatus,
  RentedItem,
  ReservationCancelledPayload,
  ReservedPayload,
  ReturnedItem,
} from '@gdmarket/contracts';

/**
 * An item for rent. `itemStatus` says whether it can be reserved; it is never set by hand but
 * follows reservations and rentals (spec D.10.7): Reserved or lent → NotRentable, reservation
 * cancelled or item returned → Rentable.
 */
export interface Item {
  readonly itemNo: number;
  readonly itemName: string;
  readonly itemPrice: number;
  readonly itemStatus: ItemStatus;
  readonly rentalStatus: RentalStatus;
  /** The reservation that reserved, is renting or last rented the item; null when none. */
  readonly reservationNo: number | null;
}

export type ItemEvent =
  | Emitted<typeof ItemRegistered>
  | Emitted<typeof RentedItem>
  | Emitted<typeof ReturnedItem>
  | Emitted<typeof ItemDeleted>;

/**
 * What a command or policy did to an item: the events to publish and the item to store (null once
 * deleted), committed together; or the rule it broke, with nothing changed. An accepted change with
 * no events and the same item is a no-op.
 */
export type ItemChange =
  | { readonly ok: true; readonly events: readonly ItemEvent[]; readonly item: Item | null }
  | { readonly ok: false; readonly rejection: Rejection };

/** The rules an item enforces; each is the rejection returned when it is broken. */
export const itemRules = {
  startsAvailable: (field: 'itemStatus' | 'rentalStatus'): Rejection => ({ code: 'validation', field: `/${field}`, rule: 'a new item starts Rentable and NotRenting' }),
  lendOnlyReserved: { code: 'conflict', rule: 'an item is lent only once a reservation has made it NotRentable' },
  lendOnlyOnce: { code: 'conflict', rule: 'an item that is already Renting cannot be lent again' },
  returnOnlyRenting: { code: 'conflict', rule: 'only an item that is Renting can be returned' },
  deleteOnlyFree: { code: 'conflict', rule: 'an item that is reserved or Renting cannot be deleted' },
  reservedByAnother: (holder: number, asked: number): Rejection => ({
    code: 'conflict',
    rule: `the item is reserved by reservation ${holder}, not ${asked}`,
  }),
  lentToAnother: (renter: number, asked: number): Rejection => ({
    code: 'conflict',
    rule: `the item is lent to reservation ${renter}, not ${asked}`,
  }),
} as const satisfies Record<string, Rejection | ((...args: never[]) => Rejection)>;

export interface RegisterItem {
  /** The next item number, supplied by the caller (ids are inputs). */
  readonly itemNo: number;
  readonly itemName: string;
  readonly itemPrice: number;
  /** The seed's POST sends the initial statuses; anything else is refused (spec D.10.8). */
  readonly itemStatus?: ItemStatus;
  readonly rentalStatus?: RentalStatus;
}

/** Lend or return on behalf of a reservation; left out, it is the reservation the item is with. */
export interface ForReservation {
  readonly reservationNo?: number;
}

export function registerItem(command: RegisterItem): ItemChange {
  if ((command.itemStatus ?? 'Rentable') !== 'Rentable') return refuse(itemRules.startsAvailable('itemStatus'));
  if ((command.rentalStatus ?? 'NotRenting') !== 'NotRenting') return refuse(itemRules.startsAvailable('rentalStatus'));
  const { itemNo, itemName, itemPrice } = command;
  return changed(
    { itemNo, itemName, itemPrice, itemStatus: 'Rentable', rentalStatus: 'NotRenting', reservationNo: null },
    {
      ...itemFlow('gdmarket.ItemRegistered', itemNo),
      payload: { itemNo, itemName, itemStatus: 'Rentable', itemPrice, rentalStatus: 'NotRenting' },
    },
  );
}

/** The owner hands the item to the reservation that reserved it. */
export function lendItem(item: Item, command: ForReservation = {}): ItemChange {
  if (item.rentalStatus === 'Renting') return refuse(itemRules.lendOnlyOnce);
  const holder = reservationHolding(item);
  if (holder === null) return refuse(itemRules.lendOnlyReserved);
  if (command.reservationNo !== undefined && command.reservationNo !== holder) {
    return refuse(itemRules.reservedByAnother(holder, command.reservationNo));
  }
  return changed(
    { ...item, itemStatus: 'NotRentable', rentalStatus: 'Renting', reservationNo: holder },
    { ...rentalFlow('gdmarket.RentedItem', item.itemNo, holder), payload: { itemNo: item.itemNo, reservationNo: holder, rentalStatus: 'Renting' } },
  );
}

/** The item is back from the reservation it was lent to, and can be reserved again. */
export function returnItem(item: Item, command: ForReservation = {}): ItemChange {
  if (item.rentalStatus !== 'Renting' || item.reservationNo === null) return refuse(itemRules.returnOnlyRenting);
  const renter = item.reservationNo;
  if (command.reservationNo !== undefined && command.reservationNo !== renter) {
    return refuse(itemRules.lentToAnother(renter, command.reservationNo));
  }
  return changed(
    { ...item, itemStatus: 'Rentable', rentalStatus: 'Returned' },
    { ...rentalFlow('gdmarket.ReturnedItem', item.itemNo, renter), payload: { itemNo: item.itemNo, reservationNo: renter, rentalStatus: 'Returned' } },
  );
}

/** An item someone has reserved or is renting stays, so no reservation is left pointing at nothing. */
export function deleteItem(item: Item): ItemChange {
  if (item.rentalStatus === 'Renting' || reservationHolding(item) !== null) return refuse(itemRules.deleteOnlyFree);
  return changed(null, { ...itemFlow('gdmarket.ItemDeleted', item.itemNo), payload: { itemNo: item.itemNo } });
}

/**
 * Policy on Reserved: the first reservation takes a Rentable item off the market and starts a new
 * rental cycle. A reservation is a fact the item cannot refuse, so one for an item that is already
 * reserved or lent (a double booking, spec D.10.4) leaves the item with its current reservation.
 */
export function markReserved(item: Item, reserved: ReservedPayload): ItemChange {
  if (item.itemStatus !== 'Rentable') return unchanged(item);
  return updated({ ...item, itemStatus: 'NotRentable', rentalStatus: 'NotRenting', reservationNo: reserved.reservationNo });
}

/**
 * Policy on ReservationCancelled: the item is back on the market if the cancelled reservation is
 * the one holding it and has not taken it yet; any other cancellation does not concern this item.
 */
export function markAvailable(item: Item, cancelled: ReservationCancelledPayload): ItemChange {
  if (reservationHolding(item) !== cancelled.reservationNo) return unchanged(item);
  return updated({ ...item, itemStatus: 'Rentable', reservationNo: null });
}

/** The reservation that has reserved the item and not taken it yet, if any. */
function reservationHolding(item: Item): number | null {
  return item.itemStatus === 'NotRentable' && item.rentalStatus !== 'Renting' ? item.reservationNo : null;
}

const changed = (item: Item | null, event: ItemEvent): ItemChange => ({ ok: true, events: [event], item });
/** A policy's change: the seed publishes nothing when an item follows a reservation. */
const updated = (item: Item): ItemChange => ({ ok: true, events: [], item });
const unchanged = (item: Item): ItemChange => ({ ok: true, events: [], item });
const refuse = (rejection: Rejection): ItemChange => ({ ok: false, rejection });

/** Registering and deleting belong to the item's own flow. */
const itemFlow = <T extends ItemEvent['type']>(type: T, itemNo: number) =>
  ({ type, aggregateType: 'Item', aggregateId: itemNo, correlationId: itemNo }) as const;

/** Lending and returning belong to a reservation's flow: reservationNo ties them to it. */
const rentalFlow = <T extends ItemEvent['type']>(type: T, itemNo: number, reservationNo: number) =>
  ({ type, aggregateType: 'Item', aggregateId: itemNo, correlationId: reservationNo }) as const;
