import { invalid, notFound } from '@eventide/core';
import { topicOf } from '@eventide/messaging';
import { pageFields, sendPage, type App, type Projection, type ServiceContext } from '@eventide/service-host';
import type { DocumentSession } from '@eventide/store';
import { ProductId } from '@gasstation/contracts';
import Type from 'typebox';
import { bookSaleEvent, commissionSources, type CommissionEvent, type CommissionLedger, type LedgerSettings, type SaleRecord } from '../application/commission-ledger.ts';
import { isCalendarDate } from '../domain/business-day.ts';
import type { DailySettlement } from '../domain/settlement.ts';

/** One document per station and day, id `<stationCode>:<date>`. */
export const commissionCollection = 'commissions';
/** The day each sale counts to, by saleId: what a later cancel subtracts from. */
export const saleCollection = 'commissionSales';

const dayId = (stationCode: string, date: string): string => `${stationCode}:${date}`;

function ledgerIn(session: DocumentSession): CommissionLedger {
  const days = session.collection<DailySettlement>(commissionCollection);
  const sales = session.collection<SaleRecord>(saleCollection);
  return {
    sale: (saleId) => sales.get(String(saleId)),
    saveSale: (record) => sales.upsert(String(record.saleId), record),
    day: (stationCode, date) => days.get(dayId(stationCode, date)),
    saveDay: (day) => days.upsert(dayId(day.stationCode, day.date), day),
  };
}

/**
 * The commission ledger, fed by POS's Sold and CanceledSold under this service's own consumer group.
 * A projection: `npm run rebuild -- gasstation commission commissionView` restates it from POS's topic
 * (with the terms configured now).
 */
export function commissionView(system: string, settings: LedgerSettings): Projection {
  return {
    name: 'commissionView',
    topics: [topicOf(system, 'pos')],
    on: Object.values(commissionSources).flat(),
    collections: [commissionCollection, saleCollection],
    async project(envelope, session) {
      // The consumer pipeline checked the payload against its contract before this runs.
      const event = { type: envelope.type, payload: envelope.payload } as CommissionEvent;
      await bookSaleEvent(event, envelope.occurredAt, ledgerIn(session), settings);
    },
  };
}

const StationCode = ProductId;
/** The pattern gives a precise 400; whether the day exists is checked after (2026-02-30). */
const DateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

function calendarDate(field: string, text: string | undefined): void {
  if (text !== undefined && !isCalendarDate(text)) throw invalid(field, 'must be a calendar date yyyy-MM-dd');
}

/** `/commissions`: the days, filtered by station and date, paged; and one station's day. */
export function commissionRoutes(app: App, context: ServiceContext): void {
  const documents = context.documents;
  if (!documents) throw new Error('the commission service keeps its ledger in a read-model store, and has none');
  const days = documents.collection<DailySettlement>(commissionCollection);

  app.get(
    '/commissions',
    { schema: { querystring: Type.Object({ stationCode: Type.Optional(StationCode), date: Type.Optional(DateText), ...pageFields }) } },
    async (request, reply) => {
      const { stationCode, date, page, size } = request.query;
      calendarDate('/date', date);
      const { items, total } = await days.list({ page, size, where: { stationCode, date } });
      return sendPage(reply, items, total);
    },
  );

  app.get('/commissions/:stationCode/:date', { schema: { params: Type.Object({ stationCode: StationCode, date: DateText }) } }, async (request) => {
    const { stationCode, date } = request.params;
    calendarDate('/date', date);
    const day = await days.get(dayId(stationCode, date));
    if (!day) throw notFound('commission', dayId(stationCode, date));
    return day;
  });
}
