import closeWithGrace from 'close-with-grace';
import { AppError, errorChain } from '@eventide/core';
import type { Logger } from 'pino';
import Type from 'typebox';
import { ConfigError, readEnvironment } from './config.ts';
import { reduceMemoryWhenQuiet } from './reclaim.ts';

export { ConfigError, readEnvironment } from './config.ts';
export { collectProcessMetrics } from './metrics.ts';

/** What a started process gives back: its logger, how long it may take to stop, and how to stop it. */
export interface StartedProcess {
  readonly log: Logger;
  /** How long SIGTERM/SIGINT may take before the process exits non-zero anyway. */
  readonly stopWithinMs: number;
  /** Drains and stops. */
  close(): Promise<void>;
}

/**
 * The `main.ts` of a process (a service, the gateway, the authorization server): starts it, and
 * when the start fails on something the operator must fix, prints one line `<name>: <reason>` and
 * exits 1 rather than a stack trace: a ConfigError (a variable, a rule between variables), a port
 * in use, a dependency that does not answer (an AppError `unavailable`: a database, the Kafka
 * broker), or whatever `explain` names (a missing file). Once started, SIGTERM/SIGINT or an
 * uncaught error stops it through `close` within `stopWithinMs`. While it runs, the memory reducer
 * gives back what a load left behind once the load drops (reclaim.ts).
 */
export async function runProcess(
  name: string,
  start: () => Promise<StartedProcess>,
  explain: (error: unknown) => string | undefined = () => undefined,
): Promise<void> {
  let running: StartedProcess;
  let reducerEveryMs: number;
  try {
    reducerEveryMs = readEnvironment(processEnvironment).MEMORY_REDUCER_EVERY_MS;
    running = await start();
  } catch (error) {
    const reason = error instanceof ConfigError ? error.message : (portInUse(error) ?? dependencyDown(error) ?? explain(error));
    if (reason === undefined) throw error;
    process.stderr.write(`${name}: ${reason}\n`);
    process.exit(1);
  }
  const { log } = running;
  reduceMemoryWhenQuiet({ everyMs: reducerEveryMs, log });
  closeWithGrace({ delay: running.stopWithinMs, logger: log }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'stopping after an unexpected error');
    else log.info({ signal }, 'draining');
    await running.close();
  });
}

/** What every process reads beside its own configuration. */
const processEnvironment = Type.Object({
  /** How often the memory reducer looks at the process (reclaim.ts); 0 turns it off. */
  MEMORY_REDUCER_EVERY_MS: Type.Integer({ minimum: 0, default: 1_000 }),
});

/** The words of the first AppError `unavailable` in the error's causes: a dependency that did not answer. */
function dependencyDown(error: unknown): string | undefined {
  return errorChain(error).find((cause) => cause instanceof AppError && cause.code === 'unavailable')?.message;
}

function portInUse(error: unknown): string | undefined {
  const { code, address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
  return code === 'EADDRINUSE' ? `${address}:${port} is already in use` : undefined;
}
