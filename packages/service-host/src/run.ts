import closeWithGrace from 'close-with-grace';
import type { TProperties } from 'typebox';
import { ConfigError } from './config.ts';
import type { ServiceDefinition } from './definition.ts';
import { startService } from './host.ts';

/**
 * A service's `main.ts` calls this: start from process.env, stop gracefully on SIGTERM/SIGINT
 * within SHUTDOWN_TIMEOUT_MS (then exit non-zero), and on a bad configuration print one line
 * naming the variable and exit 1.
 */
export async function runService<C extends TProperties>(definition: ServiceDefinition<C>): Promise<void> {
  let running;
  try {
    running = await startService(definition);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.system}.${definition.service}: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { context, log } = running;
  closeWithGrace({ delay: context.config.SHUTDOWN_TIMEOUT_MS, logger: log }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'stopping after an unexpected error');
    else log.info({ signal }, 'draining');
    await running.close();
  });
}
