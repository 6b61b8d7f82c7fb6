import { fileURLToPath } from 'node:url';

/**
 * Node's on-disk compile cache (code compiled by V8 and, for .ts files, the stripped source), shared
 * by the runner and every process it starts: it roughly halves the CPU a process spends loading
 * its modules, most of a service's start. Node keys entries by its version and each file's content,
 * so a stale entry is never used. NODE_COMPILE_CACHE chooses another directory;
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
export const compileCacheDir = (env: Readonly<Record<string, string | undefined>>): string =>
  env.NODE_COMPILE_CACHE ?? fileURLToPath(new URL('../../node_modules/.cache/node-compile-cache', import.meta.url));
