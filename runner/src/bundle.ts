import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild, stop, version as esbuildVersion, type BuildOptions } from 'esbuild';

/**
 * The runner starts every process from an esbuild bundle of its entry instead of its .ts file.
 * Why: loading about 1,400 modules (resolving, stat-ing, stripping types, compiling) was most of
 * a process's start, 0.9 to 1.3 s of CPU, and seven processes start at once on two cores; from a
 * bundle a process starts in 0.35 to 0.5 s and holds about 15 MB less. One build covers every
 * entry of the run, split into shared chunks, so what only distributed mode needs (the Kafka
 * client, PostgreSQL and MySQL drivers, Redis) stays in chunks that embedded mode never loads.
 *
 * A build is an immutable directory named by the fingerprint of its inputs (each file's path,
 * size and mtime): a process that loads a chunk late (a driver on first use) never finds it
 * replaced under it, and a run whose sources have not changed since the last build reuses it.
 * Builds are published by rename, so runners starting at once (tests run in parallel) never see
 * each other's half-written files. Node's compile cache then applies to the bundle as it did to
 * the sources. Source maps sit beside each file: NODE_OPTIONS=--enable-source-maps shows .ts
 * lines in stack traces (not on by default: it costs about 0.1 s of start per process).
 */
export interface Bundles {
  /** The bundled file to run for a .ts entry given to `bundle()`. */
  entry(source: string): string;
  /** Rebuilds if a source changed since, so a restart runs what is on disk now. */
  refresh(): Promise<void>;
}

/** Inside the repository's node_modules, so what is left out of the bundles (`external`) resolves from there. */
export const bundleCacheDir = fileURLToPath(new URL('../../node_modules/.cache/eventide-bundles', import.meta.url));

/**
 * Loaded by Node from node_modules instead: the Kafka client reads its WebAssembly from beside its
 * own files (and only distributed mode loads it, so its start cost is not the one that matters).
 */
const external = ['@platformatic/kafka', 'koffi'];

const options = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: `node${process.versions.node.split('.')[0]}`,
  outbase: '/',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  external,
  // CommonJS dependencies call require(); an ES module has none unless it makes one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // V8 keeps every loaded module's source text in the heap, and one character outside Latin-1 (a
  // '§' or '…' in a dependency's comment) makes a whole chunk two bytes per character: unminified,
  // a service held 8 MB of chunk text, now 3 MB. Whitespace only: names stay as written for stack
  // traces (syntax minification once broke the authorization server's tokens); licence comments
  // go to a file beside each chunk.
  minifyWhitespace: true,
  legalComments: 'linked',
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'error',
  absWorkingDir: '/',
} as const satisfies BuildOptions;

interface Latest {
  readonly dir: string;
  readonly inputs: readonly string[];
}

const hash = (parts: readonly string[]): string => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);

interface Inputs {
  /** The build's identity: the toolchain and its options, the entries and every input's size and mtime. */
  readonly fingerprint: string;
  readonly newestMtimeMs: number;
}

/** The inputs as they are on disk now; undefined if one is gone. */
async function inputsNow(entries: readonly string[], inputs: readonly string[]): Promise<Inputs | undefined> {
  const infos = await Promise.all(inputs.map((input) => stat(input).catch(() => undefined)));
  if (infos.some((info) => info === undefined)) return undefined;
  const files = inputs.map((input, i) => `${input} ${infos[i]!.size} ${infos[i]!.mtimeMs}`);
  return {
    fingerprint: hash([`esbuild ${esbuildVersion}`, `node ${process.version}`, JSON.stringify(options), ...entries, ...files]),
    newestMtimeMs: Math.max(...infos.map((info) => info!.mtimeMs)),
  };
}

const builtAt = (cacheDir: string, id: string) => join(cacheDir, id);

/** Bundles `entries` (absolute .ts paths) into `cacheDir`, or finds the build that is still current. */
export async function bundle(entries: readonly string[], cacheDir: string): Promise<Bundles> {
  const sorted = [...new Set(entries.map((e) => resolve(e)))].sort();
  const latestFile = join(cacheDir, `latest-${hash(sorted)}.json`);
  let dir = await current(sorted, cacheDir, latestFile);
  // One check at a time: control commands may come together, and a build ends by stopping esbuild.
  let checking: Promise<void> | undefined;
  return {
    entry(source) {
      if (!sorted.includes(resolve(source))) throw new Error(`${source} was not bundled`);
      return join(dir, relative('/', resolve(source))).replace(/\.ts$/, '.mjs');
    },
    refresh() {
      checking ??= current(sorted, cacheDir, latestFile)
        .then((found) => void (dir = found))
        .finally(() => (checking = undefined));
      return checking;
    },
  };
}

async function current(entries: readonly string[], cacheDir: string, latestFile: string): Promise<string> {
  const latest = await readFile(latestFile, 'utf8').then((text) => JSON.parse(text) as Latest, () => undefined);
  if (latest !== undefined && (await inputsNow(entries, latest.inputs))?.fingerprint === latest.dir) {
    const present = await stat(builtAt(cacheDir, latest.dir)).then(() => true, () => false);
    if (present) return builtAt(cacheDir, latest.dir);
  }
  return fresh(entries, cacheDir, latestFile);
}

/** Builds of this process, one after another: each ends by stopping esbuild's service, which would fail another in flight. */
let building: Promise<unknown> = Promise.resolve();

function fresh(entries: readonly string[], cacheDir: string, latestFile: string): Promise<string> {
  const built = building.then(() => build(entries, cacheDir, latestFile));
  building = built.catch(() => undefined);
  return built;
}

async function build(entries: readonly string[], cacheDir: string, latestFile: string): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const scratch = join(cacheDir, `.building-${process.pid}-${randomUUID()}`);
  const started = Date.now();
  // stop(): esbuild's service process would otherwise stay with the runner, holding about 300 MB.
  const { metafile } = await esbuild({ ...options, entryPoints: [...entries], outdir: scratch }).finally(() => stop());
  const inputs = Object.keys(metafile.inputs).map((input) => resolve('/', input));
  const now = await inputsNow(entries, inputs);
  // A source edited (or removed) while it was being built: run this build, but do not keep it as current.
  if (now === undefined || now.newestMtimeMs > started) return scratch;
  const id = now.fingerprint;
  const target = builtAt(cacheDir, id);
  // Another runner may have published the same build first: its copy is as good as ours.
  await rename(scratch, target).catch(() => rm(scratch, { recursive: true, force: true }));
  const staging = `${latestFile}.${process.pid}`;
  await writeFile(staging, JSON.stringify({ dir: id, inputs } satisfies Latest));
  await rename(staging, latestFile);
  await prune(cacheDir, id);
  return target;
}

/** Builds older than an hour, other than the current one, are gone: a process loads its chunks as it starts. */
async function prune(cacheDir: string, keep: string): Promise<void> {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of await readdir(cacheDir)) {
    if (name === keep || name.startsWith('latest-')) continue;
    const path = join(cacheDir, name);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < hourAgo) await rm(path, { recursive: true, force: true });
  }
}
