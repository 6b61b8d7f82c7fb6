import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { RoutesError, routingTable, type RoutingTable } from './routes.ts';

/** Reads and validates the routing file; throws RoutesError (bad content) or the fs error (missing). */
export async function readRoutes(file: string): Promise<{ table: RoutingTable; text: string }> {
  const text = await readFile(file, 'utf8');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RoutesError([`${file} is not JSON: ${(error as Error).message}`]);
  }
  return { table: routingTable(document), text };
}

export interface RoutesWatch {
  close(): void;
}

/**
 * Calls `onChange` with each new valid table. The runner replaces the file by rename and a
 * Kubernetes ConfigMap by swapping a symlinked directory, so the directory is watched, not the
 * file's inode, and any event in it leads to a re-read; unchanged text is ignored. A bad or
 * half-written file is logged and the last good table stays in force.
 */
export function watchRoutes(
  file: string,
  initialText: string,
  onChange: (table: RoutingTable) => void,
  log: Logger,
  debounceMs = 25,
): RoutesWatch {
  let lastText = initialText;
  let timer: NodeJS.Timeout | undefined;
  let reading = Promise.resolve();

  const reread = async (): Promise<void> => {
    try {
      const { table, text } = await readRoutes(file);
      if (text === lastText) return;
      lastText = text;
      onChange(table);
      log.info({ file, routes: table.routes.length, services: table.upstreams.size }, 'routing file reloaded');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') log.warn({ file }, 'routing file is missing; keeping the last good routes');
      else if (error instanceof RoutesError) log.error({ file, err: error }, 'routing file rejected; keeping the last good routes');
      else throw error;
    }
  };

  const watcher: FSWatcher = watch(dirname(file), { persistent: false }, (_event, name) => {
    if (name !== null && name !== basename(file) && !name.startsWith('..')) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      reading = reading.then(reread).catch((error: unknown) => log.error({ err: error }, 'routing file could not be read'));
    }, debounceMs);
  });
  watcher.on('error', (error) => log.error({ err: error, file }, 'routing file watch failed; routes are frozen'));

  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
