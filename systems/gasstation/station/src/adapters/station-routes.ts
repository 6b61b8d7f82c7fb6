import { notFound } from '@eventide/core';
import { formParameters, pageFields, PageQuery, sendPage, type App, type ServiceContext } from '@eventide/service-host';
import { Id, ProductId, StockOutcomeBody, stockOutcomePath, strictObject } from '@gasstation/contracts';
import Type from 'typebox';
import { confirmStock, recordStockOutcome } from '../application/stocks.ts';
import { stationReads, stationUnit } from './station-tables.ts';

const ConfirmStockParameters = strictObject({ orderId: Id });
const FindByOrderIdQuery = Type.Object({ order_id: Id, ...pageFields });
const StockIdParams = Type.Object({ stockId: Id });
const ProductIdParams = Type.Object({ productId: ProductId });
const AccountIdParams = Type.Object({ accountId: Id });

/**
 * Station's commands (spec E.3): confirmStock (form or query `orderId`) and the outcome POST
 * /stockFlows that POS calls with an Idempotency-Key, both answering a JSON boolean as the original;
 * and the reads of Spring Data REST's repositories, paged, each resource with its id field.
 */
export function stationRoutes(app: App, { command, store }: ServiceContext): void {
  const reads = stationReads(store.db);

  app.post('/stocks/confirmStock', formParameters(ConfirmStockParameters), async (request) =>
    command(request, (trx, emit) => confirmStock(stationUnit(trx, emit), request.body.orderId)),
  );

  app.post(stockOutcomePath, { schema: { body: StockOutcomeBody } }, async (request) => {
    await command(request, (trx, emit) => recordStockOutcome(stationUnit(trx, emit), request.body));
    return true;
  });

  app.get('/stockFlows', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await reads.stockFlows(request.query);
    return sendPage(reply, items, total);
  });

  app.get('/stockFlows/search/findByOrderId', { schema: { querystring: FindByOrderIdQuery } }, async (request, reply) => {
    const { order_id: orderId, page, size } = request.query;
    const { items, total } = await reads.stockFlows({ orderId, page, size });
    return sendPage(reply, items, total);
  });

  app.get('/stockFlows/:stockId', { schema: { params: StockIdParams } }, async (request) => {
    const [flow] = (await reads.stockFlows({ stockId: request.params.stockId, page: 0, size: 1 })).items;
    if (!flow) throw notFound('stock flow', request.params.stockId);
    return flow;
  });

  app.get('/productMasters', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await reads.productMasters(request.query);
    return sendPage(reply, items, total);
  });

  app.get('/productMasters/:productId', { schema: { params: ProductIdParams } }, async (request) => {
    const [master] = (await reads.productMasters({ productId: request.params.productId, page: 0, size: 1 })).items;
    if (!master) throw notFound('product master', request.params.productId);
    return master;
  });

  app.get('/accounts', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await reads.accounts(request.query);
    return sendPage(reply, items, total);
  });

  app.get('/accounts/:accountId', { schema: { params: AccountIdParams } }, async (request) => {
    const [account] = (await reads.accounts({ accountId: request.params.accountId, page: 0, size: 1 })).items;
    if (!account) throw notFound('account', request.params.accountId);
    return account;
  });

  app.get('/stockSummaries', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await reads.stockSummaries(request.query);
    return sendPage(reply, items, total);
  });

  app.get('/stockSummaries/:productId', { schema: { params: ProductIdParams } }, async (request) => {
    const [summary] = (await reads.stockSummaries({ productId: request.params.productId, page: 0, size: 1 })).items;
    if (!summary) throw notFound('stock summary of product', request.params.productId);
    return summary;
  });
}
