import { closeSync, openSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Wakes idle consumers when the bus changes, in this process or any other, so they sleep until
 * there is news instead of polling. A writer that others should react to (a publish; a member
 * joining, leaving or releasing partitions) calls `announce()` after its commit: it rewrites one
 * byte of `<file>-wake`, and the kernel (inotify on Linux) tells every process watching it.
 *
 * Why not watch the -wal file itself: SQLite appends the frames of a transaction to the WAL before
 * it publishes the commit in the shared-memory index, so a reader woken by the WAL write can look
 * too early, find nothing, and sleep through the commit. The wake file is written after COMMIT
 * returns, when every new read sees it. The directory is watched rather than the file, so a wake
 * file created later still counts. Consumers re-check after `pollIntervalMs` anyway: the
 * notification is a shortcut, the poll the safety net.
 */
export class ChangeFeed {
  #version = 0;
  readonly #waiters = new Set<() => void>();
  readonly #watcher: FSWatcher;
  readonly #wakeFile: number;
  readonly #byte = Buffer.alloc(1);

  constructor(databasePath: string) {
    const wakePath = `${databasePath}-wake`;
    const wakeName = basename(wakePath);
    this.#watcher = watch(dirname(wakePath), { persistent: false }, (_event, file) => {
      if (file === wakeName) this.notify();
    });
    this.#wakeFile = openSync(wakePath, 'w');
  }

  /** Increases with every change seen; read it before looking at the log, then pass it to `wait`. */
  get version(): number {
    return this.#version;
  }

  /** Tells every process, this one at once, that something was committed. */
  announce(): void {
    this.#byte[0] = (this.#byte[0]! + 1) % 256;
    writeSync(this.#wakeFile, this.#byte, 0, 1, 0);
    this.notify();
  }

  /** Wakes this process's waiters. */
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
    closeSync(this.#wakeFile);
    this.notify();
  }
}
