import { networkErrorCodes } from '@eventide/core';
import type * as Undici from 'undici';
import type { ResponseHeaders } from './result.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** One attempt, ready to send: the path is relative to the base URL's path. */
export interface Outgoing {
  readonly method: Method;
  readonly path: string;
  readonly query: Readonly<Record<string, string>> | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** What the target answered, body read in full so the connection goes back to the pool. */
export interface Reply {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly text: string;
}

export interface Transport {
  send(outgoing: Outgoing, signal: AbortSignal): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * undici, loaded when the first client is created (not awaited there, so creating a client stays
 * synchronous): a process that calls nobody never loads its hundred-odd modules. Its errors can
 * only exist once it is loaded. Its `default` is its module.exports both when Node loads it and in
 * a bundle (a bundler's namespace for a CommonJS module has no named exports).
 */
type UndiciExports = (typeof Undici)['default'];
let undici: UndiciExports | undefined;
let loadingUndici: Promise<UndiciExports> | undefined;

/**
 * A keep-alive pool to the target's origin, at most `connections` sockets (the bulkhead's limit,
 * so calls queue in the bulkhead, where they are counted and bounded, not inside undici), opened
 * by the first call.
 */
export function createTransport(baseUrl: string, connections: number): Transport {
  const url = new URL(baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  const loading = (loadingUndici ??= import('undici').then((loaded) => (undici = loaded.default)));
  let pool: Promise<Undici.Pool> | undefined;
  let closed = false;
  const open = async (): Promise<Undici.Pool> => new (await loading).Pool(url.origin, { connections });
  return {
    async send({ method, path, query, headers, body }, signal) {
      if (closed) throw new Error(`the client to ${url.origin} is closed`);
      const response = await (await (pool ??= open())).request({ method, path: prefix + path, query, headers, body, signal });
      return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
    },
    async close() {
      closed = true;
      // A call sent before close() got the pool first, so the pool waits for it.
      if (pool) await (await pool).close();
    },
  };
}

const networkErrorTypes = ({ errors }: UndiciExports) => [
  errors.SocketError,
  errors.ConnectTimeoutError,
  errors.HeadersTimeoutError,
  errors.BodyTimeoutError,
  errors.HTTPParserError,
  errors.HeadersOverflowError,
  errors.ResponseContentLengthMismatchError,
];

/**
 * Whether `error` says the target or the network failed (a breaker failure, retryable where
 * safe) rather than that this client was misused (a bad header, a closed pool): those throw.
 */
export function isNetworkFailure(error: unknown): boolean {
  if (undici && networkErrorTypes(undici).some((type) => error instanceof type)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && networkErrorCodes.has(code);
}

/** Seconds from a Retry-After header (delta-seconds or HTTP-date), if it has a usable one. */
export function retryAfterHeader(headers: ResponseHeaders): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : (Date.parse(value) - Date.now()) / 1_000;
  return Number.isFinite(seconds) ? Math.max(0, Math.ceil(seconds)) : undefined;
}
