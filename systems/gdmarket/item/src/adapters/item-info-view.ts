import { notFound } from '@eventide/core';
import { topicOf } from '@eventide/messaging';
import type { App, Projection, ServiceContext } from '@eventide/service-host';
import type { Documents } from '@eventide/store';
import { No } from '@gdmarket/contracts';
import Type from 'typebox';
import { evolveItemInfo, itemInfoSources, type ItemInfo, type ItemInfoEvent } from '../application/item-info.ts';
import { pageFields, PageQuery, sendPage } from '@eventide/service-host';

/** The documents collection of the view, one document per itemNo: Spring Data REST's plural of ItemInfo. */
export const itemInfoCollection = 'itemInfoes';

/**
 * Keeps the ItemInfo view (spec D.7) from item and reservation events. Every event it reads carries
 * the row key in `payload.itemNo`. `system` names the topics (`<system>.item`, `<system>.reservation`).
 */
export function itemInfoView(system: string): Projection {
  return {
    name: 'itemInfoView',
    topics: [topicOf(system, 'item'), topicOf(system, 'reservation')],
    on: Object.values(itemInfoSources).flat(),
    collections: [itemInfoCollection],
    async project(envelope, session) {
      // The consumer pipeline checked the payload against its contract before this runs.
      const event = { type: envelope.type, payload: envelope.payload } as ItemInfoEvent;
      const rows = session.collection<ItemInfo>(itemInfoCollection);
      const id = String(event.payload.itemNo);
      const next = evolveItemInfo(await rows.get(id), event);
      if (next === 'delete') await rows.delete(id);
      else if (next !== undefined) await rows.upsert(id, next);
    },
  };
}

const FindByItemNoQuery = Type.Object({ itemNo: No, ...pageFields });

/** `/itemInfoes`: the view as a paged collection, the seed's finder, and one row by itemNo. */
export function itemInfoRoutes(app: App, context: ServiceContext): void {
  const documents: Documents | undefined = context.documents;
  if (!documents) throw new Error('the item service keeps its ItemInfo view in a read-model store, and has none');
  const rows = documents.collection<ItemInfo>(itemInfoCollection);

  app.get('/itemInfoes', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await rows.list(request.query);
    return sendPage(reply, items, total);
  });

  app.get('/itemInfoes/search/findByItemNo', { schema: { querystring: FindByItemNoQuery } }, async (request, reply) => {
    const { itemNo, page, size } = request.query;
    const { items, total } = await rows.list({ page, size, where: { itemNo } });
    return sendPage(reply, items, total);
  });

  app.get('/itemInfoes/:itemNo', { schema: { params: Type.Object({ itemNo: No }) } }, async (request) => {
    const row = await rows.get(String(request.params.itemNo));
    if (!row) throw notFound('itemInfo', request.params.itemNo);
    return row;
  });
}
