import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { AppError, isAppError, type ErrorCode } from '@eventide/core';

/**
 * The control endpoint: HTTP with JSON bodies on a Unix socket in the data directory, so each
 * data directory has at most one runner, only local users with access to it can steer it, and
 * no port is taken.
 *
 * - `GET /status`
 * - `POST /services/<system>/<service>/stop | start | restart`
 * - `POST /services/<system>/<service>/scale` with `{ "replicas": n }`
 *
 * Answers 200 with JSON, or a problem+json body: 400 bad input, 404 unknown service, 409 not now.
 */
export const controlSocketPath = (dataDir: string): string => join(dataDir, 'runner', 'control.sock');

export type Action = 'stop' | 'start' | 'restart' | 'scale';

export interface ControlHandlers {
  status(): Promise<unknown>;
  act(service: string, action: Action, replicas: number | undefined): Promise<unknown>;
}

const statusOf: Partial<Record<ErrorCode, number>> = { validation: 400, not_found: 404, conflict: 409, unavailable: 503, timeout: 503 };

function send(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  response.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  request.setEncoding('utf8');
  for await (const chunk of request) text += chunk as string;
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AppError('validation', 'the body is not JSON', { cause });
  }
}

async function route(request: IncomingMessage, handlers: ControlHandlers): Promise<unknown> {
  const url = request.url ?? '/';
  if (request.method === 'GET' && url === '/status') return handlers.status();
  const match = /^\/services\/([^/]+)\/([^/]+)\/(stop|start|restart|scale)$/.exec(url);
  if (request.method !== 'POST' || match === null) throw new AppError('not_found', `no control command ${request.method} ${url}`);
  const [, system, service, action] = match as unknown as [string, string, string, Action];
  const body = (await readJson(request)) as { replicas?: unknown };
  if (action === 'scale' && typeof body.replicas !== 'number') {
    throw new AppError('validation', 'scale needs { "replicas": <number> }', { violations: [{ field: 'replicas', rule: 'must be a number' }] });
  }
  return handlers.act(`${decodeURIComponent(system)}/${decodeURIComponent(service)}`, action, body.replicas as number | undefined);
}

export interface ControlServer {
  close(): Promise<void>;
}

/** Listens on the socket; a stale socket file (its runner gone) must have been removed before. */
export async function serveControl(socketPath: string, handlers: ControlHandlers, onError: (error: Error) => void): Promise<ControlServer> {
  const server = createServer((request, response) => {
    route(request, handlers).then(
      (body) => send(response, 200, body),
      (error: unknown) => {
        if (isAppError(error)) {
          const status = statusOf[error.code] ?? 500;
          send(response, status, { type: 'about:blank', title: error.code, status, detail: error.message }, 'application/problem+json');
          return;
        }
        onError(error as Error);
        send(response, 500, { type: 'about:blank', title: 'runner error', status: 500, detail: (error as Error).message }, 'application/problem+json');
      },
    );
  });
  server.listen(socketPath);
  await once(server, 'listening');
  return {
    async close() {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
      await rm(socketPath, { force: true });
    },
  };
}

export interface ControlAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Sends one command; rejects with the socket error (ENOENT, ECONNREFUSED) when no runner listens. */
export function callControl(socketPath: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<ControlAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch (cause) {
          reject(new Error(`the runner answered ${res.statusCode} with a body that is not JSON`, { cause }));
        }
      });
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Whether a runner answers on the socket; a leftover socket file of a dead runner is removed. */
export async function runnerAlive(socketPath: string): Promise<{ pid: number } | undefined> {
  try {
    const { body } = await callControl(socketPath, 'GET', '/status');
    return { pid: (body as { pid: number }).pid };
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') return undefined;
    if (code === 'ECONNREFUSED') {
      await rm(socketPath, { force: true });
      return undefined;
    }
    throw error;
  }
}
