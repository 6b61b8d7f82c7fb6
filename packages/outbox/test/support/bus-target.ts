import type { Infra } from '@eventide/testing';
import type { Bus } from '@eventide/messaging';

/**
 * The bus side of the crash tests, as a parameter: each adapter is one module that exports
 * `target` (how to make a fresh bus for a test) and `open(config)` (how any process, a child
 * included, opens that bus). To run the crash tests on another adapter, add its module to
 * `busTargets` in crash.test.ts.
 */
export interface BusTarget {
  readonly name: string;
  /** The describe-name tag the test tally counts, e.g. '[kafka] '; '' for an embedded adapter. */
  readonly tag: string;
  readonly infra?: Infra;
  /** A fresh bus for one test. */
  create(): Promise<BusUnderTest>;
}

export interface BusUnderTest {
  /** Opens the bus in this process. */
  open(): Promise<Bus>;
  /** How a child process opens the same bus: openBusFromSpec(spec). */
  readonly spec: BusSpec;
  /** Removes what the test left: the bus's files, or the `topics` it created on a server. */
  cleanup(topics: readonly string[]): Promise<void>;
}

/** A module exporting `open(config): Promise<Bus>`, and the JSON config to call it with. */
export interface BusSpec {
  readonly module: string;
  readonly config: unknown;
}

interface BusModule {
  open(config: unknown): Promise<Bus>;
}

export async function openBusFromSpec(spec: BusSpec): Promise<Bus> {
  const module = (await import(spec.module)) as BusModule;
  return module.open(spec.config);
}

/** A BusUnderTest whose `open` goes through the spec, exactly as a child does. */
export function busUnderTest(spec: BusSpec, cleanup: BusUnderTest['cleanup']): BusUnderTest {
  return { spec, open: () => openBusFromSpec(spec), cleanup };
}
