import { networkErrorCodes } from '@eventide/core';
import { Pool, errors } from 'undici';
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
 * A keep-alive pool to the target's origin, at most `connections` sockets (the bulkhead's limit,
 * so calls queue in the bulkhead, where they are counted and bounded, not inside undici).
 */
export function createTransport(baseUrl: string, connections: number): Transport {
  const url = new URL(baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  const pool = new Pool(url.origin, { connections });
  return {
    async send({ method, path, query, headers, body }, signal) {
      const response = await pool.request({ method, path: prefix + path, query, headers, body, signal });
      return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
    },
    close: () => pool.close(),
  };
}


const networkErrorTypes = [
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
  if (networkErrorTypes.some((type) => error instanceof type)) return true;
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
