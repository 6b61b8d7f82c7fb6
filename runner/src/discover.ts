import { readdir } from 'node:fs/promises';
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError } from '@eventide/core';
import type { SystemManifest } from '@eventide/service-host';

export interface DiscoveredSystem {
  readonly manifest: SystemManifest;
  /** The system's folder; a service's `main` is relative to it. */
  readonly dir: string;
}

/** The problems of one manifest, each naming the field; none when it can be run. */
function problemsOf(manifest: SystemManifest, folder: string): string[] {
  const problems: string[] = [];
  if (manifest.name !== folder) problems.push(`name ${JSON.stringify(manifest.name)} must be the folder's name ${JSON.stringify(folder)}`);
  const names = new Set<string>();
  for (const service of manifest.services) {
    if (names.has(service.name)) problems.push(`service ${service.name} is listed twice`);
    names.add(service.name);
    if (!Number.isInteger(service.port) || service.port < 1 || service.port > 65_535) problems.push(`${service.name}.port must be a port number`);
    for (const route of service.routes) if (!route.startsWith('/')) problems.push(`${service.name} route ${route} must start with /`);
  }
  for (const service of manifest.services) {
    for (const [variable, callee] of Object.entries(service.calls ?? {})) {
      if (!names.has(callee)) problems.push(`${service.name}.calls.${variable} names ${callee}, which is not a service of ${manifest.name}`);
    }
  }
  if (manifest.services.length === 0) problems.push('services must not be empty');
  return problems;
}

/**
 * A manifest imports `defineSystem` from `@eventide/service-host`, whose index loads the whole
 * host (Fastify, Kysely, the bus: over a second of CPU) before the runner can start anything.
 * While manifests are imported, that one import resolves to the host's `src/system.ts` alone;
 * a manifest importing anything else from the host fails to load, naming the missing export.
 */
function importingManifestsOnly(): { deregister(): void } {
  return registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (specifier !== '@eventide/service-host' || !/\/systems\/[^/]+\/system\.ts$/.test(context.parentURL ?? '')) return resolved;
      return { ...resolved, url: new URL('./system.ts', resolved.url).href };
    },
  });
}

/**
 * Every `systems/<name>/system.ts` under `root`, imported and checked, sorted by name. A manifest
 * that cannot be run fails here, naming its file and every problem.
 */
export async function discoverSystems(root: string): Promise<DiscoveredSystem[]> {
  const systemsDir = join(root, 'systems');
  const entries = await readdir(systemsDir, { withFileTypes: true });
  const found: DiscoveredSystem[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(systemsDir, entry.name);
    const file = join(dir, 'system.ts');
    const siblings = await readdir(dir);
    if (!siblings.includes('system.ts')) continue;
    const hooks = importingManifestsOnly();
    let module: { default?: SystemManifest };
    try {
      module = (await import(pathToFileURL(file).href)) as typeof module;
    } finally {
      hooks.deregister();
    }
    const manifest = module.default;
    if (manifest === undefined) throw new AppError('validation', `${file} has no default export (export default defineSystem({...}))`);
    const problems = problemsOf(manifest, entry.name);
    if (problems.length > 0) throw new AppError('validation', `${file}: ${problems.join('; ')}`);
    found.push({ manifest, dir });
  }
  return found;
}

/** The systems named, in the order discovered; every discovered one when none is named. */
export function selectSystems(all: readonly DiscoveredSystem[], names: readonly string[]): DiscoveredSystem[] {
  if (all.length === 0) throw new AppError('not_found', 'no systems/*/system.ts found');
  const known = all.map((s) => s.manifest.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new AppError('not_found', `no system named ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return names.length === 0 ? [...all] : all.filter((s) => names.includes(s.manifest.name));
}
