import { closeSync, mkdirSync, openSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { partitionOf } from './partitioner.ts';

/**
 * Wakes idle consumers when the bus changes, in this process or any other, so they sleep until
 * there is news instead of polling. A writer that others should react to calls `announce()` after
 * its commit: it rewrites one byte of a wake file, and the kernel (inotify on Linux) tells every
 * process watching the directory which file changed.
 *
 * News has channels, so a consumer wakes only for what concerns it: a publish announces on its
 * topics' channels (file `<n>`, n a hash of the topic), group changes (a member joining, leaving
 * or releasing partitions) on the common channel (file `common`) that every consumer hears.
 * Without them every service re-read all its partitions on every publish of any service.
 *
 * Why not watch the -wal file itself: SQLite appends the frames of a transaction to the WAL before
 * it publishes the commit in the shared-memory index, so a reader woken by the WAL write can look
 * too early, find nothing, and sleep through the commit. The wake file is written after COMMIT
 * returns, when every new read sees it. The wake files have a directory of their own
 * (`<file>.wake/`), watched rather than the files, so a wake file created later still counts; in
 * the database's directory every WAL write of every publisher sent each watching process an event
 * (a wake-up of its event loop) to ignore. Consumers re-check after `pollIntervalMs` anyway: the
 * notification is a shortcut, the poll the safety net.
 */
const topicChannels = 64;
const common = 'common';

/** The channel a topic's publishes are announced on. */
export const channelOf = (topic: string): string => String(partitionOf(topic, topicChannels));

export class ChangeFeed {
  readonly #versions = new Map<string, number>();
  readonly #waiters = new Map<() => void, readonly string[]>();
  readonly #watcher: FSWatcher;
  readonly #wakeDir: string;
  readonly #files = new Map<string, number>();
  readonly #byte = Buffer.alloc(1);
  readonly #unwritten = new Set<string>();
  #flushing: NodeJS.Timeout | undefined;

  constructor(databasePath: string) {
    this.#wakeDir = `${databasePath}.wake`;
    mkdirSync(this.#wakeDir, { recursive: true });
    this.#watcher = watch(this.#wakeDir, { persistent: false }, (_event, file) => {
      if (file) this.notify(file);
    });
  }

  /** Increases with every change seen on `channels` or the common one; read it before looking at the log, then pass it to `wait`. */
  version(channels: readonly string[]): number {
    return channels.reduce((sum, channel) => sum + (this.#versions.get(channel) ?? 0), this.#versions.get(common) ?? 0);
  }

  /**
   * Tells every process that something was committed: on `topics`' channels, or to everyone. This
   * process hears it at once; other processes once the wake files are written, a millisecond later:
   * a file write costs a system call and an inotify event for every watcher (measured at a tenth of
   * a busy service's CPU when written on every publish), so the publishes of one millisecond write
   * each channel's file once.
   */
  announce(topics?: readonly string[]): void {
    const channels = topics ? new Set(topics.map(channelOf)) : [common];
    for (const channel of channels) {
      this.notify(channel);
      this.#unwritten.add(channel);
    }
    this.#flushing ??= setTimeout(() => this.#writeWakeFiles(), 1);
  }

  #writeWakeFiles(): void {
    this.#flushing = undefined;
    for (const channel of this.#unwritten) {
      this.#byte[0] = (this.#byte[0]! + 1) % 256;
      writeSync(this.#file(channel), this.#byte, 0, 1, 0);
    }
    this.#unwritten.clear();
  }

  /** Wakes this process's waiters on `channel` (all of them for the common channel). */
  notify(channel: string = common): void {
    this.#versions.set(channel, (this.#versions.get(channel) ?? 0) + 1);
    for (const [wake, channels] of this.#waiters) if (channel === common || channels.includes(channel)) wake();
  }

  /** Resolves at the first change on `channels` after `seen` (at once if there was one already) or after `timeoutMs`. */
  wait(seen: number, timeoutMs: number, channels: readonly string[]): Promise<void> {
    if (this.version(channels) !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.#waiters.set(wake, channels);
    });
  }

  close(): void {
    if (this.#flushing) {
      clearTimeout(this.#flushing);
      this.#writeWakeFiles();
    }
    this.#watcher.close();
    for (const file of this.#files.values()) closeSync(file);
    this.notify();
  }

  #file(channel: string): number {
    let file = this.#files.get(channel);
    if (file === undefined) {
      file = openSync(join(this.#wakeDir, channel), 'w');
      this.#files.set(channel, file);
    }
    return file;
  }
}
