import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { ConfigError } from './config.ts';

export { ConfigError, readEnvironment } from './config.ts';

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
 * in use, or whatever `explain` names (a missing file). Once started, SIGTERM/SIGINT or an
 * uncaught error stops it through `close` within `stopWithinMs`.
 */
export async function runProcess(
  name: string,
  start: () => Promise<StartedProcess>,
  explain: (error: unknown) => string | undefined = () => undefined,
): Promise<void> {
  let running: StartedProcess;
  try {
    running = await start();
  } catch (error) {
    const reason = error instanceof ConfigError ? error.message : (portInUse(error) ?? explain(error));
    if (reason === undefined) throw error;
    process.stderr.write(`${name}: ${reason}\n`);
    process.exit(1);
  }
  const { log } = running;
  closeWithGrace({ delay: running.stopWithinMs, logger: log }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'stopping after an unexpected error');
    else log.info({ signal }, 'draining');
    await running.close();
  });
}

function portInUse(error: unknown): string | undefined {
  const { code, address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
  return code === 'EADDRINUSE' ? `${address}:${port} is already in use` : undefined;
}
