import { notFound, type DomainEvent } from '@eventide/core';
import { formParameters, PageQuery, sendPage, type App, type ServiceContext } from '@eventide/service-host';
import { Name, Price, ProductId, strictObject } from '@gasstation/contracts';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import { reviseProductDetails, syncProduct } from '../application/products.ts';
import { listProducts, productRepository } from './order-tables.ts';

/** `http -f POST :8083/products/sync productId=CD1001 price=2500` (spec E.8 step 5). */
const SyncParameters = strictObject({ productId: ProductId, price: Type.Optional(Price) });
const ProductPatchBody = strictObject({ productName: Type.Optional(Name), price: Type.Optional(Price) });
const ProductIdParams = Type.Object({ productId: ProductId });
/** Spring Data REST's query parameter, named after the repository method's @Param. */
const FindByProductIdQuery = Type.Object({ product_id: ProductId });

/**
 * The product master. Spring Data REST exposed it at the singular `/product` (rel `product`) and
 * the gateway routed only `/products`; both are served. `/product/{id}` works here (the original's
 * repository was typed with the wrong id, spec E.3). Prices change through `/products/sync` or
 * `PATCH /products/{productId}` (spec E.10.5).
 */
export function productRoutes(app: App, { command, store }: ServiceContext): void {
  const productUnit = (trx: Kysely<any>, emit: (event: DomainEvent) => void) => ({ products: productRepository(trx), emit });
  const one = async (productId: string) => {
    const { items } = await listProducts(store.db, { productId, page: 0, size: 1 });
    const [product] = items;
    if (!product) throw notFound('product', productId);
    return product;
  };

  /** `true` once the product is resent (with its new price, if given); 404 for an unknown productId. */
  app.post('/products/sync', formParameters(SyncParameters), async (request) => {
    const { productId, price } = request.body;
    await command(request, (trx, emit) => syncProduct(productUnit(trx, emit), productId, price));
    return true;
  });

  app.patch('/products/:productId', { schema: { params: ProductIdParams, body: ProductPatchBody } }, async (request) =>
    command(request, (trx, emit) => reviseProductDetails(productUnit(trx, emit), request.params.productId, request.body)),
  );

  for (const path of ['/product', '/products']) {
    app.get(path, { schema: { querystring: PageQuery } }, async (request, reply) => {
      const { items, total } = await listProducts(store.db, request.query);
      return sendPage(reply, items, total);
    });
    app.get(`${path}/:productId`, { schema: { params: ProductIdParams } }, async (request) => one(request.params.productId));
  }

  /** A finder returning one product, as Spring Data REST answered an Optional: the product, or 404. */
  app.get('/product/search/findByProductId', { schema: { querystring: FindByProductIdQuery } }, async (request) => one(request.query.product_id));
}
