import { ConfigError, type PlatformConfig } from '@eventide/service-host';
import Type, { type Static } from 'typebox';
import type { LedgerSettings } from '../application/commission-ledger.ts';
import { isTimeZone } from '../domain/business-day.ts';

/**
 * The settlement's terms, from the environment. COMMISSION_TIME_ZONE rather than TZ: TZ would move
 * the whole process's local time (and every log line's), where only the business day needs a zone.
 */
export const commissionConfig = Type.Object({
  /** The station this deployment settles; its POS's sales are all this station's (one POS per station, as in the original). */
  STATION_CODE: Type.String({ default: 'ST0001', minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9_-]+$' }),
  /** direct (직영점): the operator is paid a commission; franchise (가맹점): none is owed. */
  STATION_TYPE: Type.Union([Type.Literal('direct'), Type.Literal('franchise')], { default: 'direct' }),
  COMMISSION_RATE: Type.Number({ default: 0.03, minimum: 0, maximum: 1 }),
  COMMISSION_TIME_ZONE: Type.String({ default: 'Asia/Seoul', minLength: 1 }),
});
export type CommissionConfig = Static<typeof commissionConfig>;

/** The ledger's settings; an unknown time zone stops the service with one line, as a bad variable does. */
export function ledgerSettings(config: PlatformConfig & CommissionConfig): LedgerSettings {
  if (!isTimeZone(config.COMMISSION_TIME_ZONE)) {
    throw new ConfigError([`COMMISSION_TIME_ZONE must be an IANA time zone such as Asia/Seoul (got "${config.COMMISSION_TIME_ZONE}")`]);
  }
  return {
    terms: { stationCode: config.STATION_CODE, stationType: config.STATION_TYPE, rate: config.COMMISSION_RATE },
    timeZone: config.COMMISSION_TIME_ZONE,
  };
}
