import { Client } from 'undici';

export interface ProbeOptions {
  /** Time between the end of one probe and the start of the next. */
  readonly intervalMs: number;
  /** A probe not answered within this is a failure. */
  readonly timeoutMs: number;
}

export interface ProbeHooks {
  /** Read when a probe starts and handed back with its result, so stale results can be dropped. */
  generation(): number;
  report(generation: number, ready: boolean, reason: string): void;
}

export interface Probe {
  /** Settles when the first probe has answered or failed. */
  readonly first: Promise<void>;
  /** Stops probing, abandoning a probe in flight; settles once its connection is closed. */
  stop(): Promise<void>;
}

/**
 * Asks `origin/health/ready` on its own connection, so probes never queue behind traffic in the
 * replica's pool: 2xx means ready; another status, a refusal or a timeout means not ready.
 */
export function startProbe(origin: string, { intervalMs, timeoutMs }: ProbeOptions, hooks: ProbeHooks): Probe {
  const client = new Client(origin, { pipelining: 1 });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const probeOnce = async (): Promise<void> => {
    const generation = hooks.generation();
    try {
      const { statusCode, body } = await client.request({
        method: 'GET',
        path: '/health/ready',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await body.dump();
      hooks.report(generation, statusCode >= 200 && statusCode < 300, `probe answered ${statusCode}`);
    } catch (error) {
      if (stopped) return;
      const { code, message } = error as { code?: string; message?: string };
      hooks.report(generation, false, `probe failed: ${code ?? message ?? String(error)}`);
    }
  };

  const loop = (): void => {
    if (stopped) return;
    current = probeOnce().finally(() => {
      if (stopped) return;
      timer = setTimeout(loop, intervalMs);
      timer.unref();
    });
  };

  loop();
  return {
    first: current,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await client.destroy();
    },
  };
}
