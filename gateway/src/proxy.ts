import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { classify, mayResend, replicaIsDown, type Failure } from './failures.ts';
import type { Cors } from './cors.ts';
import type { Guard, Verdict } from './guard.ts';
import { downstreamHeaders, upstreamHeaders, type Ids, type UpstreamHeaders } from './headers.ts';
import type { GatewayMetrics } from './metrics.ts';
import {
  badPath,
  bodyTooLarge,
  noReadyReplica,
  noRoute,
  refused,
  sendProblem,
  upstreamBroke,
  upstreamTimeout,
  type GatewayProblem,
} from './problem.ts';
import type { Replica, Upstreams } from './replicas.ts';
import { hasDotSegment, normalizeTarget, type Match, type RoutingTable } from './routes.ts';

export interface ProxyOptions {
  readonly table: () => RoutingTable;
  readonly upstreams: Upstreams;
  readonly metrics: GatewayMetrics;
  readonly guard: Guard | undefined;
  readonly cors: Cors | undefined;
  /** Keep and extend the client's `x-forwarded-*` (a trusted proxy is in front); otherwise this hop's only. */
  readonly trustForwarded: boolean;
  /** Longest wait for an upstream's response headers, and between two of its body chunks. */
  readonly upstreamTimeoutMs: number;
  /** Larger request bodies are answered 413 (by Content-Length up front, or once a stream passes it). */
  readonly bodyLimit: number;
  /** Bodies up to this size (by Content-Length) are read whole first, so they can be resent. */
  readonly replayBodyLimit: number;
  readonly retryAfterSeconds: number;
  /** True while the gateway drains: each answer then closes its connection. */
  readonly closing: () => boolean;
  readonly log: Logger;
}

type Body = Buffer | Readable | null;

/** Returns the request listener that forwards a routed request to a ready replica. */
export function createProxy(options: ProxyOptions): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    if (options.cors?.(request, response)) return;
    const raw = request.url ?? '/';
    // Routes, rules and the service all see one spelling of the path.
    const url = normalizeTarget(raw);
    if (url === undefined) return answer(options, response, badPath(raw, 'has an encoded /, \\ or control character, an empty segment, or a bad escape'), undefined, 'none');
    const match = options.table().match(url);
    if (match === undefined) return answer(options, response, noRoute(url), undefined, 'none');
    if (hasDotSegment(url)) return answer(options, response, badPath(url), undefined, match.route.prefix);
    const { headers, ids } = upstreamHeaders(request, options.trustForwarded);
    const exchange = new Exchange(options, request, response, match, headers, ids, url);
    if (options.guard === undefined) return exchange.readBody();
    admit(options.guard, exchange);
  };
}

function answer(options: ProxyOptions, response: ServerResponse, problem: GatewayProblem, ids: Ids | undefined, route: string): void {
  if (options.closing()) response.setHeader('connection', 'close');
  sendProblem(response, problem, ids);
  options.metrics.requests.inc({ route, status: problem.status });
}

function admit(guard: Guard, exchange: Exchange): void {
  const { request } = exchange;
  let verdict: Verdict | Promise<Verdict>;
  try {
    const { upstreamPath } = exchange.match;
    const queryAt = upstreamPath.indexOf('?');
    verdict = guard(
      {
        method: exchange.method,
        url: exchange.url,
        path: queryAt < 0 ? upstreamPath : upstreamPath.slice(0, queryAt),
        headers: request.headers,
        remoteAddress: request.socket.remoteAddress,
      },
      exchange.match.route,
    );
  } catch (error) {
    exchange.guardFailed(error);
    return;
  }
  if (verdict instanceof Promise) verdict.then((v) => exchange.admitted(v), (error: unknown) => exchange.guardFailed(error));
  else exchange.admitted(verdict);
}

/** One client request and its attempts, until one answer reaches the client. */
class Exchange {
  readonly options: ProxyOptions;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly match: Match;
  readonly headers: UpstreamHeaders;
  readonly ids: Ids;
  readonly method: string;
  /** The normalised target. */
  readonly url: string;
  body: Body = null;
  /** Replicas already tried, so a resend goes elsewhere. */
  readonly tried: Replica[] = [];
  current: Attempt | undefined;
  clientGone = false;
  /** A streamed body passed the limit: the attempt is aborted and the answer is a 413. */
  tooLarge = false;

  constructor(options: ProxyOptions, request: IncomingMessage, response: ServerResponse, match: Match, headers: UpstreamHeaders, ids: Ids, url: string) {
    this.options = options;
    this.url = url;
    this.request = request;
    this.response = response;
    this.match = match;
    this.headers = headers;
    this.ids = ids;
    this.method = request.method ?? 'GET';
    response.once('close', () => {
      if (response.writableFinished) return;
      this.clientGone = true;
      this.current?.abort();
    });
  }

  admitted(verdict: Verdict): void {
    if (!verdict.admit) {
      this.problem(refused(verdict.error, verdict.headers));
      return;
    }
    for (const [name, value] of Object.entries(verdict.headers ?? {})) {
      const key = name.toLowerCase();
      if (value === null) delete this.headers[key];
      else this.headers[key] = value;
    }
    this.readBody();
  }

  guardFailed(error: unknown): void {
    // A guard that throws is a bug, never a refusal: log it with its stack, answer 500.
    this.options.log.error({ err: error, requestId: this.ids.requestId }, 'guard threw: this is a bug');
    this.problem({ status: 500, type: 'about:blank', title: 'Internal Server Error', detail: 'an unexpected error occurred; it has been logged' });
  }

  /**
   * Small bodies are read whole (resendable); large or chunked ones are streamed through, counted.
   * A body over the limit is not read: once the 413 is out, Node reads and drops the rest, so the
   * client gets to read the answer and can keep its connection.
   */
  readBody(): void {
    const { request } = this;
    const { bodyLimit } = this.options;
    const length = request.headers['content-length'];
    if (length === undefined && request.headers['transfer-encoding'] === undefined) return this.send();
    if (length !== undefined && Number(length) > bodyLimit) return this.problem(bodyTooLarge(bodyLimit));
    if (length !== undefined && Number(length) <= this.options.replayBodyLimit) {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        this.send();
      });
      request.on('error', () => undefined); // the client went away mid-body; 'close' on the response ends the exchange
      return;
    }
    this.body = request.pipe(this.counted(request, bodyLimit));
    this.send();
  }

  /**
   * Passes the body's chunks on as they are, and fails the stream (so undici aborts the attempt)
   * once they pass `limit`; the rest of the body is then read and dropped, as Node does for a body
   * nobody read, so the connection stays usable.
   */
  counted(request: IncomingMessage, limit: number): Transform {
    let received = 0;
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, next) => {
        received += chunk.length;
        if (received <= limit) return next(null, chunk);
        this.tooLarge = true;
        request.unpipe(counter);
        request.resume();
        next(new Error(`the request body passed ${limit} bytes`));
      },
    });
    return counter;
  }

  /** Sends to the next ready replica not yet tried, or answers 503 when there is none. */
  send(): void {
    if (this.clientGone) return;
    const set = this.options.upstreams.get(this.match.route.service);
    const replica = set?.pick(this.tried);
    if (replica === undefined) {
      this.problem(noReadyReplica(this.match.route.service, this.options.retryAfterSeconds));
      return;
    }
    this.tried.push(replica);
    const attempt = new Attempt(this, replica);
    this.current = attempt;
    replica.pending += 1;
    replica.pool.dispatch(
      {
        method: this.method,
        path: this.match.upstreamPath,
        headers: this.headers,
        body: this.body,
        headersTimeout: this.options.upstreamTimeoutMs,
        bodyTimeout: this.options.upstreamTimeoutMs,
      },
      attempt,
    );
  }

  /** Whether the body can be sent again: read whole, or a stream not yet touched. */
  get replayable(): boolean {
    const { body } = this;
    return body === null || Buffer.isBuffer(body) || !body.readableDidRead;
  }

  /** Tries another replica when safe; false when the caller must answer with what it has. */
  resend(reason: Failure | 'draining'): boolean {
    if (this.clientGone || !this.replayable) return false;
    this.options.metrics.resends.inc({ service: this.match.route.service, reason });
    this.send();
    return true;
  }

  failed(attempt: Attempt, error: unknown): void {
    if (this.clientGone) return;
    if (this.tooLarge && !this.response.headersSent) return this.problem(bodyTooLarge(this.options.bodyLimit));
    if (this.response.headersSent) {
      // Mid-body: the status is out, so the only honest signal left is a cut connection.
      this.options.log.warn({ err: error, requestId: this.ids.requestId, replica: attempt.replica.origin }, 'upstream broke mid-answer');
      this.response.destroy();
      this.options.metrics.requests.inc({ route: this.match.route.prefix, status: 'aborted' });
      return;
    }
    const failure = classify(error, attempt.written);
    const { service } = this.match.route;
    if (replicaIsDown(failure)) attempt.replica.markDown(`request ${failure}: ${(error as Error).message}`);
    if (mayResend(failure, this.method, this.headers['idempotency-key'] !== undefined) && this.resend(failure)) return;
    if (failure === 'not_sent') return this.problem(noReadyReplica(service, this.options.retryAfterSeconds));
    if (failure === 'timeout') return this.problem(upstreamTimeout(service, this.options.upstreamTimeoutMs));
    if (failure === 'invalid') {
      return this.problem({ status: 400, type: 'urn:problem:validation', title: 'Bad Request', detail: (error as Error).message });
    }
    if (failure === 'broken') this.options.log.error({ err: error, requestId: this.ids.requestId, replica: attempt.replica.origin }, 'upstream answer unusable');
    this.problem(upstreamBroke(service, failure));
  }

  problem(problem: GatewayProblem): void {
    // 502 and 504 are worth a look; a 503 for want of a ready replica is counted, not logged per request.
    const level = problem.status === 502 || problem.status === 504 ? 'warn' : 'debug';
    this.options.log[level]({ requestId: this.ids.requestId, status: problem.status, detail: problem.detail }, 'gateway answered for the upstream');
    answer(this.options, this.response, problem, this.ids, this.match.route.prefix);
  }
}

/** One send to one replica: undici's handler, streaming the answer to the client with backpressure. */
class Attempt implements Dispatcher.DispatchHandler {
  readonly exchange: Exchange;
  readonly replica: Replica;
  readonly startedAt = performance.now();
  /** undici began writing the request: from here it may have been processed. */
  written = false;
  /** Superseded by a resend; whatever else arrives for it is ignored. */
  abandoned = false;
  status = 0;
  controller: Dispatcher.DispatchController | undefined;

  constructor(exchange: Exchange, replica: Replica) {
    this.exchange = exchange;
    this.replica = replica;
  }

  abort(): void {
    this.controller?.abort(new Error('the client closed the connection'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.exchange.clientGone) {
      this.abort();
      return;
    }
    this.written = true;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return;
    this.status = statusCode;
    const { exchange } = this;
    if (statusCode === 503 && headers['x-draining'] === '1') {
      this.replica.markDown('answered draining');
      this.abandoned = true;
      if (exchange.resend('draining')) return;
      this.abandoned = false;
    }
    const out = downstreamHeaders(headers, exchange.match.route.stripPrefix);
    out['x-request-id'] ??= exchange.ids.requestId;
    out['x-correlation-id'] ??= exchange.ids.correlationId;
    if (exchange.options.closing()) out.connection = 'close';
    const { response } = exchange;
    response.writeHead(statusCode, out);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.abandoned) return;
    const { response } = this.exchange;
    if (!response.write(chunk)) {
      controller.pause();
      response.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.replica.pending -= 1;
    const { exchange } = this;
    const { metrics } = exchange.options;
    metrics.upstreamDuration.observe({ service: this.replica.service, status: this.status }, (performance.now() - this.startedAt) / 1_000);
    if (this.abandoned) return;
    exchange.response.end();
    metrics.requests.inc({ route: exchange.match.route.prefix, status: this.status });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.replica.pending -= 1;
    if (this.abandoned) return;
    this.exchange.failed(this, error);
  }
}
