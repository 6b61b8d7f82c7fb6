import type { EventOf } from '@eventide/core';
import { CanceledSold, Sold, topics } from '@gasstation/contracts';
import { businessDayOf } from '../domain/business-day.ts';
import { settle, type CommissionTerms, type DailySettlement } from '../domain/settlement.ts';

export type CommissionEvent = EventOf<typeof Sold> | EventOf<typeof CanceledSold>;

/** What the ledger reads: POS's sales and their cancels, on POS's topic. */
export const commissionSources = { [topics.pos]: [Sold.type, CanceledSold.type] } as const;

/** What the ledger remembers of a sale: the day it counts to, so that its cancel subtracts from that day. */
export type SaleRecord = {
  readonly saleId: number;
  readonly date: string;
  readonly sold: boolean;
  readonly canceled: boolean;
};

/** The ledger's storage, as the projection gives it (one transaction per event). */
export interface CommissionLedger {
  sale(saleId: number): Promise<SaleRecord | undefined>;
  saveSale(record: SaleRecord): Promise<void>;
  day(stationCode: string, date: string): Promise<DailySettlement | undefined>;
  saveDay(day: DailySettlement): Promise<void>;
}

export interface LedgerSettings {
  readonly terms: CommissionTerms;
  /** Where business days begin and end, e.g. Asia/Seoul. */
  readonly timeZone: string;
}

/**
 * Books a Sold or a CanceledSold that occurred at `occurredAt`. A sale counts to the business day
 * it occurred on. A cancel subtracts from its sale's day (CanceledSold carries saleId, and POS
 * keys both events by the sale, so the Sold came first); a cancel of a sale this ledger never saw
 * subtracts from the cancel's own day. A second Sold or CanceledSold of one sale (another event
 * id, e.g. republished by POS) changes nothing: each sale and each cancel counts once.
 */
export async function bookSaleEvent(event: CommissionEvent, occurredAt: string, ledger: CommissionLedger, settings: LedgerSettings): Promise<void> {
  const { terms } = settings;
  const eventDay = businessDayOf(occurredAt, settings.timeZone);
  const { saleId, qty, amount } = event.payload;
  const known = await ledger.sale(saleId);
  const book = async (kind: 'sale' | 'cancel', date: string) =>
    ledger.saveDay(settle(await ledger.day(terms.stationCode, date), { kind, qty, amount }, terms, date));

  if (event.type === Sold.type) {
    if (known?.sold) return;
    const date = known?.date ?? eventDay;
    await ledger.saveSale({ saleId, date, sold: true, canceled: known?.canceled ?? false });
    await book('sale', date);
    return;
  }
  if (known?.canceled) return;
  const date = known?.date ?? eventDay;
  await ledger.saveSale({ saleId, date, sold: known?.sold ?? false, canceled: true });
  await book('cancel', date);
}
