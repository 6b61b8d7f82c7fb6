import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError } from 'cockatiel';
import { defaults, validate, type BreakerState, type HttpClientOptions, type Logger } from './options.ts';
import { createPolicies } from './policies.ts';
import type { HttpFailure, HttpResult, HttpUnavailable } from './result.ts';
import { createTransport, isNetworkFailure, retryAfterHeader, type Method, type Outgoing, type Reply } from './transport.ts';

/** The header that carries a flow's correlation id between services. */
export const correlationHeader = 'x-correlation-id';

export interface RequestOptions {
  readonly method: Method;
  /** Relative to the base URL, starting with `/`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The target dedupes this call, so a POST or PATCH may be retried. An Idempotency-Key
   * header says the same. GET, HEAD, OPTIONS, PUT and DELETE are retried without it.
   */
  readonly idempotent?: boolean;
  /** Forwarded as x-correlation-id. */
  readonly correlationId?: string;
  /** Forwarded as is (W3C trace context). */
  readonly traceparent?: string | null;
}

export type CallOptions = Omit<RequestOptions, 'method' | 'path' | 'body'>;

export interface HttpClient {
  readonly name: string;
  readonly state: BreakerState;
  /** Never throws for a failure of the target; throws for a misuse (a bad header, a closed client). */
  request<T = unknown>(options: RequestOptions): Promise<HttpResult<T>>;
  get<T = unknown>(path: string, options?: CallOptions): Promise<HttpResult<T>>;
  post<T = unknown>(path: string, body: unknown, options?: CallOptions): Promise<HttpResult<T>>;
  put<T = unknown>(path: string, body: unknown, options?: CallOptions): Promise<HttpResult<T>>;
  delete<T = unknown>(path: string, options?: CallOptions): Promise<HttpResult<T>>;
  /** Waits for calls in flight, then closes the connections. */
  close(): Promise<void>;
}

const safeMethods: ReadonlySet<Method> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** pino's line shape on stderr, for a client created without a service's logger. */
const stderrLogger: Logger = {
  info: (fields, msg) => console.error(JSON.stringify({ level: 30, time: Date.now(), ...fields, msg })),
  warn: (fields, msg) => console.error(JSON.stringify({ level: 40, time: Date.now(), ...fields, msg })),
};

function outgoing(options: RequestOptions): Outgoing {
  const { method, path, query, body, correlationId, traceparent } = options;
  if (!path.startsWith('/')) throw new Error(`request path must start with /, got ${JSON.stringify(path)}`);
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [key, value] of Object.entries(options.headers ?? {})) headers[key.toLowerCase()] = value;
  if (correlationId) headers[correlationHeader] = correlationId;
  if (traceparent) headers.traceparent = traceparent;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const definedQuery = query
    ? Object.fromEntries(Object.entries(query).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])))
    : undefined;
  return { method, path, query: definedQuery, headers, body: body === undefined ? undefined : JSON.stringify(body) };
}

function isRetrySafe(options: RequestOptions, headers: Readonly<Record<string, string>>): boolean {
  return safeMethods.has(options.method) || options.idempotent === true || 'idempotency-key' in headers;
}

function parsed(reply: Reply): unknown {
  if (reply.text === '') return undefined;
  const type = reply.headers['content-type'];
  return typeof type === 'string' && /[/+]json\b/.test(type) ? JSON.parse(reply.text) : reply.text;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  validate(options);
  const { name } = options;
  const logger = options.logger ?? stderrLogger;
  const policies = createPolicies({ ...options, logger });
  const transport = createTransport(options.baseUrl, (options.bulkhead ?? defaults.bulkhead).limit);

  const unavailable = (kind: HttpUnavailable['kind'], message: string, extra: { status?: number; retryAfterSeconds?: number } = {}): HttpUnavailable => ({
    ok: false,
    kind,
    target: name,
    message,
    ...(extra.status === undefined ? {} : { status: extra.status }),
    retryAfterSeconds: Math.max(extra.retryAfterSeconds ?? 0, policies.retryAfterSeconds()),
  });

  /** The failure a policy or the network reported; anything else is a misuse and is rethrown. */
  function failureOrThrow(error: unknown): HttpUnavailable {
    if (error instanceof BrokenCircuitError) return unavailable('circuit-open', `circuit to ${name} is open`);
    if (error instanceof BulkheadRejectedError) return unavailable('bulkhead-full', `too many calls to ${name} in flight`);
    if (error instanceof TaskCancelledError) return unavailable('timeout', `${name} did not answer within ${options.timeoutMs} ms`);
    if (isNetworkFailure(error)) return unavailable('unavailable', `${name} is unreachable: ${(error as Error).message}`);
    throw error;
  }

  function resultOf<T>(reply: Reply): HttpResult<T> {
    const retryAfterSeconds = retryAfterHeader(reply.headers);
    if (reply.status >= 500) {
      return unavailable('unavailable', `${name} answered ${reply.status}`, retryAfterSeconds === undefined ? { status: reply.status } : { status: reply.status, retryAfterSeconds });
    }
    let body: unknown;
    try {
      body = parsed(reply);
    } catch (cause) {
      return unavailable('unavailable', `${name} answered ${reply.status} with a body that is not JSON: ${String(cause)}`);
    }
    if (reply.status >= 400) {
      const rejected: HttpFailure = { ok: false, kind: 'rejected', target: name, message: `${name} answered ${reply.status}`, status: reply.status, problem: body };
      return retryAfterSeconds === undefined ? rejected : { ...rejected, retryAfterSeconds };
    }
    return { ok: true, status: reply.status, headers: reply.headers, body: body as T };
  }

  async function request<T>(call: RequestOptions): Promise<HttpResult<T>> {
    const prepared = outgoing(call);
    const policy = isRetrySafe(call, prepared.headers) ? policies.retrying : policies.once;
    let reply: Reply;
    try {
      reply = await policy.execute(({ signal }) => transport.send(prepared, signal));
    } catch (error) {
      return failureOrThrow(error);
    }
    return resultOf<T>(reply);
  }

  return {
    name,
    get state() {
      return policies.state();
    },
    request,
    get: (path, callOptions) => request({ ...callOptions, method: 'GET', path }),
    post: (path, body, callOptions) => request({ ...callOptions, method: 'POST', path, body }),
    put: (path, body, callOptions) => request({ ...callOptions, method: 'PUT', path, body }),
    delete: (path, callOptions) => request({ ...callOptions, method: 'DELETE', path }),
    close: () => transport.close(),
  };
}
