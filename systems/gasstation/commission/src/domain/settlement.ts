/**
 * The commission (위탁수수료) owed to the operator of a directly managed station (직영점), settled
 * per station and business day from the POS's sales. A franchise (가맹점) is run by its owner and
 * owes none: its days are tallied with a commission of 0.
 */
export type StationType = 'direct' | 'franchise';

/** What this deployment settles: one station, its type, and the rate on its net sales. */
export interface CommissionTerms {
  readonly stationCode: string;
  readonly stationType: StationType;
  /** A fraction of the net sales amount, 0.03 for 3%. */
  readonly rate: number;
}

/** One station's business day. Sales and cancels are counted apart; quantities and amounts are net of cancels. */
export type DailySettlement = {
  readonly stationCode: string;
  /** `yyyy-MM-dd` in the settlement's time zone. */
  readonly date: string;
  readonly stationType: StationType;
  readonly rate: number;
  readonly saleCount: number;
  readonly cancelCount: number;
  readonly salesQty: number;
  readonly salesAmount: number;
  /** Whole won: the net amount times the rate, rounded half up; 0 for a franchise. */
  readonly commission: number;
};

/** A sale or the cancel of one, as it counts toward a day. */
export interface SettlementEntry {
  readonly kind: 'sale' | 'cancel';
  readonly qty: number;
  readonly amount: number;
}

export function commissionOf(netAmount: number, terms: CommissionTerms): number {
  if (terms.stationType === 'franchise') return 0;
  // The epsilon keeps 0.5 won computed as 0.49999… from rounding down.
  return Math.round(netAmount * terms.rate + 1e-9);
}

/**
 * Litres and won are summed as decimals (POS quantities carry fractions); sums are kept to four
 * places, so that 0.1 + 0.2 stays 0.3 however many entries a day has.
 */
const fourPlaces = (value: number): number => Math.round(value * 1e4) / 1e4;

/** The day after `entry`; `day` undefined is a day with nothing yet. The commission is restated from the new net amount. */
export function settle(day: DailySettlement | undefined, entry: SettlementEntry, terms: CommissionTerms, date: string): DailySettlement {
  const before = day ?? { stationCode: terms.stationCode, date, saleCount: 0, cancelCount: 0, salesQty: 0, salesAmount: 0 };
  const sign = entry.kind === 'sale' ? 1 : -1;
  const salesAmount = fourPlaces(before.salesAmount + sign * entry.amount);
  return {
    stationCode: before.stationCode,
    date: before.date,
    stationType: terms.stationType,
    rate: terms.rate,
    saleCount: before.saleCount + (entry.kind === 'sale' ? 1 : 0),
    cancelCount: before.cancelCount + (entry.kind === 'cancel' ? 1 : 0),
    salesQty: fourPlaces(before.salesQty + sign * entry.qty),
    salesAmount,
    commission: commissionOf(salesAmount, terms),
  };
}
