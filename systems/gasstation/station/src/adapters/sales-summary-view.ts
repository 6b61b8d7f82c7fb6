import { notFound } from '@eventide/core';
import { topicOf } from '@eventide/messaging';
import { PageQuery, sendPage, type App, type Projection, type ServiceContext } from '@eventide/service-host';
import { ProductId } from '@gasstation/contracts';
import Type from 'typebox';
import { evolveSalesSummary, salesSummarySources, type SalesEvent, type SalesSummary } from '../application/sales-summary.ts';

/** The documents collection of the view, one document per productId: Spring Data REST's plural. */
export const salesSummaryCollection = 'salesSummaries';

/**
 * Keeps the SalesSummary view (V_SALES_S) from POS's Sold and CanceledSold, in the read-model
 * store (the station's own database unless READ_MODEL_URL names Redis). A projection, so a rebuild
 * replays POS's topic from the start into an empty collection.
 */
export function salesSummaryView(system: string): Projection {
  return {
    name: 'salesSummaryView',
    topics: [topicOf(system, 'pos')],
    on: Object.values(salesSummarySources).flat(),
    collections: [salesSummaryCollection],
    async project(envelope, session) {
      // The consumer pipeline checked the payload against its contract before this runs.
      const event = { type: envelope.type, payload: envelope.payload } as SalesEvent;
      const rows = session.collection<SalesSummary>(salesSummaryCollection);
      const id = event.payload.productId;
      await rows.upsert(id, evolveSalesSummary(await rows.get(id), event));
    },
  };
}

/** `/salesSummaries`: the view as a paged collection, and one row by productId. */
export function salesSummaryRoutes(app: App, { documents }: ServiceContext): void {
  if (!documents) throw new Error('the station keeps its SalesSummary view in a read-model store, and has none');
  const rows = documents.collection<SalesSummary>(salesSummaryCollection);

  app.get('/salesSummaries', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await rows.list(request.query);
    return sendPage(reply, items, total);
  });

  app.get('/salesSummaries/:productId', { schema: { params: Type.Object({ productId: ProductId }) } }, async (request) => {
    const row = await rows.get(request.params.productId);
    if (!row) throw notFound('sales summary of product', request.params.productId);
    return row;
  });
}
