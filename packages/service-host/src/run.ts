import type { TProperties } from 'typebox';
import type { ServiceDefinition } from './definition.ts';
import { startService } from './host.ts';
import { runProcess } from './process.ts';

/**
 * A service's `main.ts` calls this: start from process.env, stop gracefully on SIGTERM/SIGINT
 * within SHUTDOWN_TIMEOUT_MS (then exit non-zero), and on a bad configuration or a port in use
 * print one line naming it and exit 1.
 */
export function runService<C extends TProperties>(definition: ServiceDefinition<C>): Promise<void> {
  return runProcess(`${definition.system}.${definition.service}`, async () => {
    const running = await startService(definition);
    return { log: running.log, stopWithinMs: running.context.config.SHUTDOWN_TIMEOUT_MS, close: running.close };
  });
}
