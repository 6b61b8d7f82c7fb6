import {
  ItemDeleted,
  ItemRegistered,
  RentedItem,
  ReservationCancelled,
  Reserved,
  ReturnedItem,
  topics,
  type EventOf,
  type ItemStatus,
  type RentalStatus,
} from '@gdmarket/contracts';

/**
 * A row of `GET /itemInfoes` (spec D.7): the owner's one-screen view of an item and the
 * reservation on it. One row per itemNo; every event it reads carries `payload.itemNo`, the row key.
 * A type rather than an interface, so it is a document body (an index-signature record).
 */
export type ItemInfo = {
  readonly itemNo: number;
  readonly itemName: string;
  readonly itemStatus: ItemStatus;
  readonly itemPrice: number;
  readonly reservationNo: number | null;
  readonly rentalStatus: RentalStatus;
  readonly customerId: number | null;
  readonly customerName: string | null;
};

export type ItemInfoEvent =
  | EventOf<typeof ItemRegistered>
  | EventOf<typeof Reserved>
  | EventOf<typeof ReservationCancelled>
  | EventOf<typeof RentedItem>
  | EventOf<typeof ReturnedItem>
  | EventOf<typeof ItemDeleted>;

/** What the view reads, by topic: one consumer per topic, all in the item service's group. */
export const itemInfoSources = {
  [topics.item]: [ItemRegistered.type, RentedItem.type, ReturnedItem.type, ItemDeleted.type],
  [topics.reservation]: [Reserved.type, ReservationCancelled.type],
} as const;

/**
 * The row after `event`, given the row before it (undefined: none yet). Returns the row to store,
 * 'delete' to remove it, or undefined when there is still no row.
 *
 * ItemRegistered (item topic) and Reserved (reservation topic) have no order between them, so
 * either may come first: a Reserved with no row makes the row from its own fields (it carries the
 * item's name and price), and a later ItemRegistered keeps the reservation it finds. Cancellations
 * and rentals follow their Reserved or ItemRegistered on the same partition, so without a row
 * they concern an item the view never saw, as in the original.
 *
 * The updates are spec D.7's, field for field, so the seed's check (D.8 step 7) reads
 * `itemStatus: "NotRentable"` after the return: RentedItem and ReturnedItem only set rentalStatus.
 * The additions: a cancellation frees the row only if it is the reservation the row shows, and a
 * Reserved for an item already reserved or lent (a double booking, spec D.10.4) leaves the row
 * showing the reservation that holds it, as the item itself does (markReserved).
 */
export function evolveItemInfo(view: ItemInfo | undefined, event: ItemInfoEvent): ItemInfo | 'delete' | undefined {
  if (event.type === ItemRegistered.type) {
    const { itemNo, itemName, itemStatus, itemPrice, rentalStatus } = event.payload;
    const registered: ItemInfo = { itemNo, itemName, itemStatus, itemPrice, reservationNo: null, rentalStatus, customerId: null, customerName: null };
    return view === undefined ? registered : { ...view, itemName, itemPrice };
  }
  if (event.type === ItemDeleted.type) return 'delete';
  if (event.type === Reserved.type) {
    const { reservationNo, customerId, customerName, itemNo, itemName, itemPrice } = event.payload;
    const reservation = { reservationNo, itemStatus: 'NotRentable', customerId, customerName, rentalStatus: 'NotRenting' } as const;
    if (view === undefined) return { itemNo, itemName, itemPrice, ...reservation };
    return isFree(view) ? { ...view, ...reservation } : view;
  }
  if (view === undefined) return undefined;
  switch (event.type) {
    case ReservationCancelled.type:
      return view.reservationNo === event.payload.reservationNo ? { ...view, itemStatus: 'Rentable' } : view;
    case RentedItem.type:
      return { ...view, rentalStatus: 'Renting' };
    case ReturnedItem.type:
      return { ...view, rentalStatus: 'Returned' };
  }
}

/**
 * The row shows an item a reservation can take: back on the market (a cancellation), or returned
 * (the seed's row keeps NotRentable after a return, where the item itself is Rentable again).
 */
const isFree = (view: ItemInfo): boolean => view.itemStatus === 'Rentable' || view.rentalStatus === 'Returned';
