import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bundle } from './bundle.ts';

describe('bundle', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eventide-bundle-'));
  const cache = join(dir, 'cache');
  after(() => rm(dir, { recursive: true, force: true }));
  const main = join(dir, 'main.ts');
  const greeting = join(dir, 'greeting.ts');
  const run = (file: string) => execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim();
  const builds = async () => (await readdir(cache)).filter((name) => !name.startsWith('latest-') && !name.startsWith('.'));

  await writeFile(main, "import { greeting } from './greeting.ts';\nconst n: number = 1;\nconsole.log(`${greeting} ${n}`);\n");
  await writeFile(greeting, "export const greeting: string = 'hello';\n");

  it('runs a .ts entry and its imports as one JavaScript module', async () => {
    const bundles = await bundle([main], cache);
    assert.match(bundles.entry(main), /\.mjs$/);
    assert.equal(run(bundles.entry(main)), 'hello 1');
  });

  it('writes ASCII only, so V8 stores each chunk at one byte per character, and keeps what the code means', async () => {
    const own = join(dir, 'ascii');
    const entry = join(dir, 'accents.ts');
    // esbuild keeps a comment inside a class body (as in Kysely's and undici's code) unless it minifies.
    await writeFile(entry, "class Greeter {\n  /** RFC 9111 §5.2.2.10 … */\n  say(): string { return 'café ’'; }\n}\nconsole.log(new Greeter().say());\n");
    const built = (await bundle([entry], own)).entry(entry);
    const bytes = await readFile(built);
    assert.equal(bytes.findIndex((b) => b > 0x7f), -1, 'no byte outside ASCII');
    assert.equal(run(built), 'café ’');
  });

  it('reuses the build while no input changed, and refuses an entry it was not given', async () => {
    const first = (await bundle([main], cache)).entry(main);
    const second = await bundle([main], cache);
    assert.equal(second.entry(main), first);
    assert.equal((await builds()).length, 1);
    assert.throws(() => second.entry(greeting), /was not bundled/);
  });

  it('builds for two runs of one process at once (each build ends by stopping esbuild)', async () => {
    const [one, two] = await Promise.all([bundle([main], join(dir, 'cache-one')), bundle([main], join(dir, 'cache-two'))]);
    assert.equal(run(one.entry(main)), run(two.entry(main)));
  });

  it('builds anew into another directory when an imported file changes, leaving the old build whole for processes still using it', async () => {
    const bundles = await bundle([main], cache);
    const before = bundles.entry(main);
    await writeFile(greeting, "export const greeting: string = 'hi';\n");
    await bundles.refresh();
    const now = bundles.entry(main);
    assert.notEqual(dirname(now), dirname(before));
    assert.equal(run(now), 'hi 1');
    assert.equal(run(before), 'hello 1');
  });
});
