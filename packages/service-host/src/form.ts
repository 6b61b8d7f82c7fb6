import type { FastifyRequest } from 'fastify';
import type { TObject } from 'typebox';

/**
 * Route options for an endpoint that takes its parameters as the originals' `@RequestParam` did:
 * from a form body (`http -f`, `application/x-www-form-urlencoded`) or from the query string, or
 * both (the body wins). One schema validates the merged parameters, so a missing or malformed one
 * is a 400 naming it, whichever way it came; form values are strings, coerced by the schema.
 */
export function formParameters<S extends TObject>(schema: S) {
  return {
    schema: { body: schema },
    preValidation: async (request: FastifyRequest) => {
      const query = (request.query ?? {}) as Record<string, unknown>;
      const body = request.body;
      request.body = body !== null && typeof body === 'object' ? { ...query, ...(body as object) } : { ...query };
    },
  };
}
