import type { FastifyReply } from 'fastify';
import Type from 'typebox';

/**
 * `?page=&size=` of every collection (DESIGN.md section 5): zero-based page, 20 per page by
 * default, as Spring Data REST had it. Other query fields (e.g. `sort`) are allowed and ignored.
 */
export const pageFields = {
  page: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  size: Type.Integer({ minimum: 1, maximum: 1_000, default: 20 }),
};
export const PageQuery = Type.Object(pageFields);

/** The header that carries a collection's size across all pages. */
export const totalCountHeader = 'x-total-count';

/** Answers one page of a collection: the items as a JSON array, the total in X-Total-Count. */
export const sendPage = <T>(reply: FastifyReply, items: readonly T[], total: number): FastifyReply =>
  reply.header(totalCountHeader, String(total)).send(items);
