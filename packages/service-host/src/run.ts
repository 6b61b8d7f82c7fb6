import { explainStoreFailure } from '@eventide/store';
import type { TProperties } from 'typebox';
import type { ServiceDefinition } from './definition.ts';
import { startService } from './host.ts';
import { runProcess } from './process.ts';

/**
 * A service's `main.ts` calls this: start from process.env, stop gracefully on SIGTERM/SIGINT
 * within SHUTDOWN_TIMEOUT_MS (then exit non-zero), and on a bad configuration, a port in use, a
 * dependency that does not answer, or a database that does not exist or refuses the credentials,
 * print one line naming it and exit 1.
 */
export function runService<C extends TProperties>(definition: ServiceDefinition<C>): Promise<void> {
  return runProcess(`${definition.system}.${definition.service}`, async () => {
    const running = await startService(definition);
    return { log: running.log, stopWithinMs: running.context.config.SHUTDOWN_TIMEOUT_MS, close: running.close };
  }, explainStoreFailure);
}
