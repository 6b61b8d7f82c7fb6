import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus those this
 * proxy answers itself (`expect`: Node sends 100-continue) or replaces (`host`: the upstream's).
 */
const hopByHop: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
]);

/** The values nearly every client sends, which list no header. */
const plainConnection: ReadonlySet<string> = new Set(['keep-alive', 'close', 'Keep-Alive', 'Close']);

/** Also hop-by-hop: the names a `Connection` header lists. */
function connectionListed(connection: string | undefined): ReadonlySet<string> | undefined {
  if (connection === undefined || plainConnection.has(connection)) return undefined;
  const names = connection
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '' && n !== 'close' && n !== 'keep-alive');
  return names.length === 0 ? undefined : new Set(names);
}

export interface Ids {
  readonly requestId: string;
  readonly correlationId: string;
}

export type UpstreamHeaders = Record<string, string | string[]>;

/** Names the gateway alone sets upstream (the caller's identity): whatever a client sends under them is dropped. */
export const identityHeaderPrefix = 'x-auth-';

/** A client's request or correlation id is kept only if it is a plain token, so logs cannot be forged through it. */
const plainId = /^[\w.:@-]{1,128}$/;

/**
 * The headers sent upstream: the client's minus hop-by-hop ones and minus every `x-auth-*`
 * (identity is the guard's to set); `x-request-id` and `x-correlation-id` kept when plain,
 * otherwise created (the correlation id defaults to the request id). `x-forwarded-for`,
 * `-proto` and `-host` describe this hop only, since the gateway is the edge and a client could
 * claim anything; with `trustForwarded` (a trusted proxy in front) they are extended or kept.
 */
export function upstreamHeaders(request: IncomingMessage, trustForwarded = false): { headers: UpstreamHeaders; ids: Ids } {
  const incoming: IncomingHttpHeaders = request.headers;
  const listed = connectionListed(incoming.connection);
  const headers: UpstreamHeaders = {};
  for (const name in incoming) {
    if (hopByHop.has(name) || listed?.has(name) || name.startsWith(identityHeaderPrefix)) continue;
    if (!trustForwarded && name.startsWith('x-forwarded-')) continue;
    const value = incoming[name];
    if (value !== undefined) headers[name] = value;
  }
  const requestId = plainOrUndefined(incoming['x-request-id']) ?? randomUUID();
  const correlationId = plainOrUndefined(incoming['x-correlation-id']) ?? requestId;
  headers['x-request-id'] = requestId;
  headers['x-correlation-id'] = correlationId;
  const client = request.socket.remoteAddress;
  if (client !== undefined) {
    const before = trustForwarded ? stringHeader(incoming['x-forwarded-for']) : undefined;
    headers['x-forwarded-for'] = before === undefined ? client : `${before}, ${client}`;
  }
  headers['x-forwarded-proto'] ??= 'http';
  if (incoming.host !== undefined) headers['x-forwarded-host'] ??= incoming.host;
  return { headers, ids: { requestId, correlationId } };
}

function plainOrUndefined(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && plainId.test(value) ? value : undefined;
}

function stringHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The upstream's response headers for the client, minus hop-by-hop ones. A `Location` path the
 * service wrote (`/items/1`) gets back the prefix the gateway stripped (`/gdmarket/items/1`), so
 * it names the resource as the client reaches it; absolute URLs are left alone.
 */
export function downstreamHeaders(upstream: Record<string, string | string[] | undefined>, strippedPrefix?: string): OutgoingHttpHeaders {
  const listed = connectionListed(stringHeader(upstream.connection));
  const headers: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    if (hopByHop.has(name) || listed?.has(name)) continue;
    headers[name] = upstream[name];
  }
  const location = stringHeader(upstream.location);
  if (strippedPrefix && location?.startsWith('/') && !location.startsWith('//')) headers.location = `${strippedPrefix}${location}`;
  return headers;
}
