import type { IncomingMessage, ServerResponse } from 'node:http';

const allowedMethods = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const allowedHeaders = new Set(['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'x-correlation-id']);
const exposed = 'Location, X-Total-Count, X-Request-Id, X-Correlation-Id, Retry-After, WWW-Authenticate';

/**
 * CORS for the web UI's origins (exact matches; no credentials: the UI sends a Bearer token,
 * not cookies). Sets the response headers for an allowed origin and answers a preflight itself,
 * before any token check: browsers send preflights without the Authorization header.
 * Returns true when it answered.
 */
export type Cors = (request: IncomingMessage, response: ServerResponse) => boolean;

export function createCors(origins: readonly string[]): Cors | undefined {
  if (origins.length === 0) return undefined;
  const allowed = new Set(origins);
  return (request, response) => {
    const origin = request.headers.origin;
    response.setHeader('vary', 'Origin');
    const ok = origin !== undefined && allowed.has(origin);
    if (ok) {
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('access-control-expose-headers', exposed);
    }
    const preflight = request.method === 'OPTIONS' && origin !== undefined && request.headers['access-control-request-method'] !== undefined;
    if (!preflight) return false;
    if (ok) {
      const asked = String(request.headers['access-control-request-headers'] ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => allowedHeaders.has(h));
      response.setHeader('access-control-allow-methods', allowedMethods);
      if (asked.length > 0) response.setHeader('access-control-allow-headers', asked.join(', '));
      response.setHeader('access-control-max-age', '600');
    }
    response.writeHead(204).end();
    return true;
  };
}
