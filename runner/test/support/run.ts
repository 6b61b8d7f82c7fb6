import { fileURLToPath } from 'node:url';
import { tempDir } from '@eventide/testing';
import { startRunner, type RunnerOptions, type RunnerStatus, type RunningRunner } from '../../src/index.ts';

export const fixtureRoot = (name: 'good' | 'bad' | 'invalid' | 'views'): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Supervision fast enough for tests: liveness every 200 ms, restarts after 100 ms. */
export const quick = { livenessIntervalMs: 200, livenessTimeoutMs: 500, livenessFailures: 3, backoffMs: 100, readyTimeoutMs: 60_000 };

export interface TestRun {
  readonly runner: RunningRunner;
  /** Every line the runner printed; LOG_LEVEL set also mirrors them to stderr. */
  readonly lines: string[];
  close(): Promise<void>;
}

/** A runner over fixture systems on OS-assigned ports and a data directory of its own; tokens off unless asked (auth.test.ts). */
export async function startTestRun(options: Partial<RunnerOptions> = {}): Promise<TestRun> {
  const dir = tempDir('eventide-runner-');
  const lines: string[] = [];
  const output = (line: string) => {
    lines.push(line);
    if (process.env.LOG_LEVEL) process.stderr.write(`${line}\n`);
  };
  let runner: RunningRunner;
  try {
    runner = await startRunner({ root: fixtureRoot('good'), dataDir: dir.path, ports: 'ephemeral', output, supervision: quick, auth: false, ...options });
  } catch (error) {
    dir.remove();
    throw error;
  }
  return {
    runner,
    lines,
    async close() {
      await runner.close();
      dir.remove();
    },
  };
}

export const serviceIn = (status: RunnerStatus, name: string) => {
  const service = status.services.find((s) => s.name === name);
  if (service === undefined) throw new Error(`no ${name} in the status`);
  return service;
};

export async function json(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}
