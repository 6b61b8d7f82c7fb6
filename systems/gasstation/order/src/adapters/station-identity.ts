import { readFile } from 'node:fs/promises';
import { AppError } from '@eventide/core';
import Type, { type Static } from 'typebox';

/**
 * Who the order service works for (spec E.8 step 7): the station code is plain configuration (a
 * ConfigMap on Kubernetes), the station name a secret (a Secret: an environment variable, or a
 * mounted file). The name is never logged and carries no schema rule, so a config error can never
 * quote it either.
 */
export const stationConfig = Type.Object({
  STATION_CODE: Type.String({ default: 'ST0001', minLength: 1, maxLength: 50 }),
  STATION_NAME: Type.Optional(Type.String()),
  /** A file holding the station name, e.g. a Secret mounted as a volume; read at each request, so a rotated secret is served without a restart. */
  STATION_NAME_FILE: Type.Optional(Type.String({ minLength: 1 })),
});
export type StationConfig = Static<typeof stationConfig>;

/** How long a client should wait before asking again: someone has to configure the secret first. */
const unconfiguredRetryAfterSeconds = 60;

/**
 * The station name: STATION_NAME, else the contents of STATION_NAME_FILE (trimmed, as `echo`
 * leaves a newline). Neither set, or the file unreadable or empty: AppError unavailable (503), which
 * names the variables, never a value. The rest of the service works without it.
 */
export async function stationName(config: StationConfig): Promise<string> {
  if (config.STATION_NAME !== undefined) return config.STATION_NAME;
  const file = config.STATION_NAME_FILE;
  if (file === undefined) {
    throw new AppError('unavailable', 'the station name is not configured: set the secret STATION_NAME, or STATION_NAME_FILE to a file holding it', {
      retryAfterSeconds: unconfiguredRetryAfterSeconds,
    });
  }
  let name: string;
  try {
    name = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new AppError('unavailable', `the station name file named by STATION_NAME_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      retryAfterSeconds: unconfiguredRetryAfterSeconds,
    });
  }
  if (name === '') {
    throw new AppError('unavailable', 'the station name file named by STATION_NAME_FILE is empty', { retryAfterSeconds: unconfiguredRetryAfterSeconds });
  }
  return name;
}
