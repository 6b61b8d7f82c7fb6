import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openEmbeddedBus } from '../src/embedded/open.ts';
import { busContract } from './contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'eventide-embedded-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

busContract({
  name: 'embedded',
  open: () => openEmbeddedBus({ path: join(dir, 'bus.db'), sessionTimeoutMs: 3_000, pollIntervalMs: 500 }),
});
