import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedBus } from '@eventide/messaging';
import type { Bus } from '@eventide/messaging';
import { busUnderTest } from './bus-target.ts';
import type { BusTarget } from './bus-target.ts';

interface EmbeddedConfig {
  readonly path: string;
}

export function open(config: EmbeddedConfig): Promise<Bus> {
  return openEmbeddedBus({ path: config.path, pollIntervalMs: 100 });
}

export const target: BusTarget = {
  name: 'embedded bus',
  tag: '',
  create: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eventide-bus-'));
    const config: EmbeddedConfig = { path: join(dir, 'bus.db') };
    return busUnderTest({ module: import.meta.url, config }, () => rm(dir, { recursive: true, force: true }));
  },
};
