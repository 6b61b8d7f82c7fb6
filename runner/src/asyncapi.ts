import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { asyncApiDocument, type EventContract } from '@eventide/core';
import { discoverSystems } from './discover.ts';

/**
 * The AsyncAPI document of each system under `root`, made from its contracts package
 * (`@<system>/contracts`, whose `producers` names the events each service publishes), as the file
 * `docs/asyncapi/<system>.json` should hold it. `npm run asyncapi` writes them; a test keeps the
 * committed files equal to what the contracts say.
 */
export async function asyncApiFiles(root: string): Promise<{ readonly path: string; readonly text: string }[]> {
  const files = [];
  for (const { manifest } of await discoverSystems(root)) {
    const contracts = (await import(`@${manifest.name}/contracts`)) as { producers?: Record<string, readonly EventContract[]> };
    if (contracts.producers === undefined) throw new Error(`@${manifest.name}/contracts exports no producers (the events each service publishes)`);
    const document = asyncApiDocument({ system: manifest.name, title: manifest.title, producers: contracts.producers });
    files.push({ path: join(root, 'docs', 'asyncapi', `${manifest.name}.json`), text: `${JSON.stringify(document, null, 2)}\n` });
  }
  return files;
}

export async function writeAsyncApi(root: string): Promise<string[]> {
  const files = await asyncApiFiles(root);
  for (const file of files) {
    await mkdir(dirname(file.path), { recursive: true });
    if ((await readFile(file.path, 'utf8').catch(() => undefined)) !== file.text) await writeFile(file.path, file.text);
  }
  return files.map((file) => file.path);
}
