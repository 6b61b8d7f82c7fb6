import { notFound } from '@eventide/core';
import type { App, ServiceContext } from '@eventide/service-host';
import { ItemStatus, Name, No, Price, RentalStatus, strictObject } from '@gdmarket/contracts';
import Type from 'typebox';
import { changeItem, register } from '../application/items.ts';
import { deleteItem } from '../domain/item.ts';
import { patchItem } from '../domain/item-patch.ts';
import { itemRepository, listItems } from './item-table.ts';
import { pageFields, PageQuery, sendPage } from '@eventide/service-host';

/** The seed's POST (spec D.3). A client's itemNo is accepted and ignored, as Spring Data REST did. */
const RegisterItemBody = strictObject({
  itemNo: Type.Optional(No),
  itemName: Name,
  itemPrice: Price,
  itemStatus: Type.Optional(ItemStatus),
  rentalStatus: Type.Optional(RentalStatus),
});

/** The seed lends and returns with this PATCH; itemNo is sent too and must be the item's own. */
const ItemPatchBody = strictObject({
  itemNo: Type.Optional(No),
  itemName: Type.Optional(Name),
  itemPrice: Type.Optional(Price),
  itemStatus: Type.Optional(ItemStatus),
  rentalStatus: Type.Optional(RentalStatus),
  reservationNo: Type.Optional(No),
});

const ItemNoParams = Type.Object({ itemNo: No });
const FindByItemNoQuery = Type.Object({ itemNo: No, ...pageFields });

/** `/items`: register, read, lend and return (PATCH), delete. Item JSON includes rentalStatus and reservationNo (D.10.9). */
export function itemRoutes(app: App, { command, store }: ServiceContext): void {
  const { db } = store;

  app.post('/items', { schema: { body: RegisterItemBody } }, async (request, reply) => {
    const item = await command(request, (trx, emit) => register({ items: itemRepository(trx), emit }, request.body));
    return reply.status(201).header('location', `/items/${item.itemNo}`).send(item);
  });

  app.get('/items', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await listItems(db, request.query);
    return sendPage(reply, items, total);
  });

  app.get('/items/search/findByItemNo', { schema: { querystring: FindByItemNoQuery } }, async (request, reply) => {
    const { items, total } = await listItems(db, request.query);
    return sendPage(reply, items, total);
  });

  app.get('/items/:itemNo', { schema: { params: ItemNoParams } }, async (request) => {
    const { items } = await listItems(db, { itemNo: request.params.itemNo, page: 0, size: 1 });
    const [item] = items;
    if (!item) throw notFound('item', request.params.itemNo);
    return item;
  });

  app.patch('/items/:itemNo', { schema: { params: ItemNoParams, body: ItemPatchBody } }, async (request) =>
    command(request, (trx, emit) =>
      changeItem({ items: itemRepository(trx), emit }, request.params.itemNo, (item) => patchItem(item, request.body)),
    ),
  );

  app.delete('/items/:itemNo', { schema: { params: ItemNoParams } }, async (request, reply) => {
    await command(request, (trx, emit) => changeItem({ items: itemRepository(trx), emit }, request.params.itemNo, deleteItem));
    return reply.status(204).send();
  });
}
