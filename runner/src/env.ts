import { AppError } from '@eventide/core';

/**
 * A replica's environment: the runner's own, minus every service's private overrides, plus the
 * variables the runner owns, plus this service's overrides.
 *
 * Overrides are how one run goes distributed: `<SYSTEM>_<SERVICE>_<VARIABLE>` is handed to that
 * service alone as `<VARIABLE>`, e.g. `GDMARKET_PAYMENT_STORE_URL=mysql://…` becomes payment's
 * `STORE_URL`, `GDMARKET_ITEM_READ_MODEL_URL=redis://…` item's `READ_MODEL_URL`. Names are upper
 * case with every other character as `_`. Shared settings (`BUS=kafka`, `KAFKA_BROKERS`) are
 * plain variables every process inherits. Another service's overrides (its database password)
 * never reach a process.
 */
export const overridePrefix = (system: string, service: string): string =>
  `${system}_${service}_`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');

/** Set by the runner for each replica; an override of one would break the run's own bookkeeping. */
const runnerOwned = ['PORT'] as const;

export interface ReplicaEnvInput {
  readonly base: Readonly<Record<string, string | undefined>>;
  /** The service whose overrides apply; none for the gateway, whose own variables are plain. */
  readonly service?: { readonly system: string; readonly service: string };
  /** The prefixes of every service of the run, so none leaks into another's process. */
  readonly prefixes: readonly string[];
  readonly owned: Readonly<Record<string, string>>;
}

/** The overrides addressed to one service, prefix removed; a runner-owned one is refused. */
export function overridesOf(base: Readonly<Record<string, string | undefined>>, system: string, service: string): Record<string, string> {
  const prefix = overridePrefix(system, service);
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (!name.startsWith(prefix) || value === undefined || name.length === prefix.length) continue;
    const variable = name.slice(prefix.length);
    if ((runnerOwned as readonly string[]).includes(variable)) {
      throw new AppError('validation', `${name}: the runner assigns ${variable} (see npm run svc -- status); remove the variable`);
    }
    found[variable] = value;
  }
  return found;
}

export function replicaEnv({ base, service, prefixes, owned }: ReplicaEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !prefixes.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  return { ...env, ...owned, ...(service === undefined ? {} : overridesOf(base, service.system, service.service)) };
}

/**
 * Memory limits for every process of a run (the brief's bar is 100 MB RSS, at any moment): a 4 MB
 * semi-space instead of V8's 16 MB and two malloc arenas instead of one per thread, and an old
 * generation held to 64 MB: V8 otherwise lets it grow with the request rate, not with what is live
 * (a reservation service held 150 MB of heap after 54,000 requests, 15 MB of it live), and keeps it
 * after the load stops. The young generation is where CPU and memory trade: 2 MB semi-spaces made
 * GC a quarter of POS's CPU; 8 MB cut a gas station sale's CPU by 16% against 2 but left POS at
 * 103–115 MB at its peak under 50 connections; 4 MB holds it at 95–97 for about 10% more of its
 * CPU per sale (docs/architecture.md, "Where the brief's bars stand"). `--expose-gc` lets each
 * process's memory reducer collect once a load drops (reclaim.ts in service-host). A size the
 * caller gave (NODE_OPTIONS, MALLOC_ARENA_MAX) wins.
 */
export function memoryOptions(base: Readonly<Record<string, string | undefined>>): { NODE_OPTIONS: string; MALLOC_ARENA_MAX: string } {
  const given = base.NODE_OPTIONS ?? '';
  const limits = [['--max-semi-space-size', 4], ['--max-old-space-size', 64]] as const;
  return {
    NODE_OPTIONS: [given, ...(given.includes('--expose-gc') ? [] : ['--expose-gc']), ...limits.filter(([flag]) => !given.includes(flag)).map(([flag, mb]) => `${flag}=${mb}`)].filter(Boolean).join(' '),
    MALLOC_ARENA_MAX: base.MALLOC_ARENA_MAX ?? '2',
  };
}
