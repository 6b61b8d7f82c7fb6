import { newId, notFound } from '@eventide/core';
import { causeOf, formParameters, PageQuery, sendPage, type App, type ServiceContext } from '@eventide/service-host';
import type { FastifyRequest } from 'fastify';
import { Id, ProductId, Quantity, strictObject } from '@gasstation/contracts';
import Type from 'typebox';
import { cancel, sell, settleVoidAttempts, type SaleDependencies, type Transact } from '../application/sales.ts';
import { posReads, posUnit } from './pos-tables.ts';
import { stationCall, stationClient, type PosConfig } from './station-client.ts';

const SaleParameters = strictObject({ productId: ProductId, qty: Quantity });
const CancelSaleParameters = strictObject({ saleId: Id });

/**
 * POS's commands (spec E.3), form or query parameters as the original's @RequestParam, answering a
 * JSON boolean: a sale (true; 404 for a product not on the menu; 503 + Retry-After with nothing
 * recorded when the station cannot take its stock decrease) and its cancellation (true; false when
 * already cancelled; 404 for an unknown sale). Reads of sales and the menu, paged, ids included.
 * Given-up sales are settled with the station at start and every POS_SETTLE_INTERVAL_MS.
 */
export function posRoutes(app: App, context: ServiceContext & { config: PosConfig }): void {
  const { command, store, config, clock, log } = context;
  const reads = posReads(store.db);
  const stock = stationClient(context.httpClient(stationCall.options(config)));
  const now = () => clock.now().getTime();
  const transactFor = (source: Parameters<typeof command>[0]): Transact => (work) => command(source, (trx, emit) => work(posUnit(trx, emit)));
  const selling = (request: FastifyRequest): SaleDependencies => ({
    transact: transactFor(causeOf(request)),
    record: transactFor(request),
    stock,
    now,
    newKey: newId,
  });
  const settlement = transactFor({ id: 'settle-given-up-sales' });
  const settling: SaleDependencies = { transact: settlement, record: settlement, stock, now, newKey: newId };

  app.post('/sales', formParameters(SaleParameters), async (request) => {
    // A retry of a sale already recorded under its Idempotency-Key takes no stock again.
    if (!(await context.answered(request))) await sell(selling(request), request.body.productId, request.body.qty);
    return true;
  });

  app.post('/cancelSales', formParameters(CancelSaleParameters), async (request) =>
    command(request, (trx, emit) => cancel(posUnit(trx, emit), request.body.saleId)),
  );

  app.get('/sales', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await reads.sales(request.query);
    return sendPage(reply, items, total);
  });

  app.get('/sales/:saleId', { schema: { params: Type.Object({ saleId: Id }) } }, async (request) => {
    const [sale] = (await reads.sales({ saleId: request.params.saleId, page: 0, size: 1 })).items;
    if (!sale) throw notFound('sale', request.params.saleId);
    return sale;
  });

  app.get('/productMenus', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { items, total } = await reads.productMenus(request.query);
    return sendPage(reply, items, total);
  });

  app.get('/productMenus/:productId', { schema: { params: Type.Object({ productId: ProductId }) } }, async (request) => {
    const [menu] = (await reads.productMenus({ productId: request.params.productId, page: 0, size: 1 })).items;
    if (!menu) throw notFound('product menu', request.params.productId);
    return menu;
  });

  let round: Promise<void> = Promise.resolve();
  const settle = () => {
    round = settleVoidAttempts(settling, config.POS_SALE_ABANDONED_AFTER_MS).then(
      (settled) => void (settled > 0 && log.info({ settled }, 'gave back the stock of given-up sales')),
      (error: unknown) => log.warn({ err: error }, 'settling given-up sales failed; the next round tries again'),
    );
  };
  const timer = setInterval(() => void round.then(settle), config.POS_SETTLE_INTERVAL_MS);
  timer.unref();
  app.addHook('onReady', async () => settle());
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await round;
  });
}
