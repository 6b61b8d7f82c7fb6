import type { Emitted, Rejection } from '@eventide/core';
import type { CanceledSold, MasterChangedPayload, Sold } from '@gasstation/contracts';

/** A product as the POS sells it (T_MENU_M), following the station's master. */
export interface ProductMenu {
  readonly productId: string;
  readonly productName: string;
  readonly price: number;
}

/** A sale before it has its id: what POS asks the station's stock for, then records. */
export interface PricedSale {
  readonly productId: string;
  readonly productName: string;
  readonly price: number;
  readonly qty: number;
  /** qty × price, in won. */
  readonly amount: number;
}

/** A sale (T_SALE). `accountId` is always 1 and `accountName` null: credit accounts are future scope (spec E.10.12). */
export interface Sale extends PricedSale {
  readonly saleId: number;
  readonly accountId: 1;
  readonly accountName: null;
}

export type SaleStatus = 'Sold' | 'Cancelled';

export type SaleEvent = Emitted<typeof Sold> | Emitted<typeof CanceledSold>;

export const saleRules = {
  cancelOnce: { code: 'conflict', rule: 'a sale is cancelled once' },
} as const satisfies Record<string, Rejection>;

/** The sale of `qty` litres at the menu's price. */
export function priceSale(menu: ProductMenu, qty: number): PricedSale {
  return { productId: menu.productId, productName: menu.productName, price: menu.price, qty, amount: qty * menu.price };
}

/** The sale is recorded once its stock decrease is in at the station; Sold tells the station's SalesSummary. */
export function recordSale(saleId: number, priced: PricedSale): { readonly sale: Sale; readonly events: readonly SaleEvent[] } {
  const { productId, productName, price, qty, amount } = priced;
  const sale: Sale = { saleId, productId, productName, price, qty, amount, accountId: 1, accountName: null };
  return { sale, events: [{ type: 'gasstation.Sold', aggregateType: 'Sale', aggregateId: saleId, correlationId: saleId, payload: { ...sale } }] };
}

/** 판매취소: CanceledSold, now with the saleId (spec E.10.7), makes the station give the stock back (보상). */
export function cancelSale(sale: Sale, status: SaleStatus): { readonly events: readonly SaleEvent[] } | { readonly rejection: Rejection } {
  if (status === 'Cancelled') return { rejection: saleRules.cancelOnce };
  const { saleId } = sale;
  return { events: [{ type: 'gasstation.CanceledSold', aggregateType: 'Sale', aggregateId: saleId, correlationId: saleId, payload: { ...sale } }] };
}

/** Policy on MasterChanged (wheneverMasterChanged_ChangeMenu): the menu takes the master as it is. */
export function followMaster(changed: MasterChangedPayload): ProductMenu {
  const { productId, productName, price } = changed;
  return { productId, productName, price };
}
