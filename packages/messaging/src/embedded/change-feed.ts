import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Wakes idle consumers when the bus file changes, in this process or any other. Every commit in
 * WAL mode appends to `<file>-wal`, and the kernel (inotify on Linux) tells each process that
 * watches it, so a consumer sleeps until there is news instead of polling the database. The
 * directory is watched rather than the file because SQLite deletes and recreates the -wal file.
 * Consumers still re-check after `pollIntervalMs`: the watch is a shortcut, the poll the safety net.
 */
export class ChangeFeed {
  #version = 0;
  readonly #waiters = new Set<() => void>();
  readonly #watcher: FSWatcher;

  constructor(databasePath: string) {
    const wal = `${basename(databasePath)}-wal`;
    this.#watcher = watch(dirname(databasePath), { persistent: false }, (_event, file) => {
      if (file === wal) this.notify();
    });
  }

  /** Increases with every change seen; read it before looking at the log, then pass it to `wait`. */
  get version(): number {
    return this.#version;
  }

  /** Wakes every waiter: called on each change of the file, and directly after a write of this process. */
  notify(): void {
    this.#version += 1;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** Resolves at the first change after `seen` (at once if there was one already) or after `timeoutMs`. */
  wait(seen: number, timeoutMs: number): Promise<void> {
    if (this.#version !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  close(): void {
    this.#watcher.close();
    this.notify();
  }
}
