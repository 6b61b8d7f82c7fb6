import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@eventide/testing';
import pino, { type Logger } from 'pino';
import { startGateway, type GatewayOptions, type RoutesDocument, type RunningGateway } from '../../src/index.ts';

/** A gateway on a free port over a routing file in a temp dir; `LOG_LEVEL` shows its logs. */
export interface Harness {
  readonly gateway: RunningGateway;
  readonly routesFile: string;
  /** Replaces the routing file the way the runner does: write a temp file, then rename. */
  writeRoutes(document: RoutesDocument): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(document: RoutesDocument, options: Partial<GatewayOptions> = {}): Promise<Harness> {
  const dir = tempDir('eventide-gateway-');
  const routesFile = join(dir.path, 'routes.json');
  const writeRoutes = async (next: RoutesDocument): Promise<void> => {
    const temp = join(dir.path, `.routes-${randomUUID()}.tmp`);
    await writeFile(temp, JSON.stringify(next));
    await rename(temp, routesFile);
  };
  await writeRoutes(document);
  const gateway = await startGateway({
    routesFile,
    port: 0,
    probeIntervalMs: 50,
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    ...options,
  });
  return {
    gateway,
    routesFile,
    writeRoutes,
    async close() {
      await gateway.close();
      dir.remove();
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/**
 * One request, body read in full. node:http, not undici, so the path and the headers go out
 * exactly as written (undici normalises `%2e%2e` and refuses a `Connection` list).
 */
export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const { origin } = new URL(url);
  const rawPath = url.slice(origin.length) || '/';
  const outgoing = httpRequest(origin, { method: init.method ?? 'GET', path: rawPath, headers: init.headers });
  outgoing.end(init.body);
  const [response] = (await once(outgoing, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return { status: response.statusCode ?? 0, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** A logger whose lines the test can read. */
export function captureLog(): { logger: Logger; messages(): string[] } {
  const lines: { msg?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg?: string }) });
  return { logger, messages: () => lines.map((l) => l.msg ?? '') };
}
