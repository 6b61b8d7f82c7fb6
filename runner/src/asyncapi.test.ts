import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { asyncApiFiles } from './asyncapi.ts';
import { repositoryRoot } from './runner.ts';

/** Follows a local `$ref` (`#/a/b`) through `document`. */
const resolveRef = (document: unknown, ref: string): unknown =>
  ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], document);

function refsOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsOf);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => (key === '$ref' && typeof value === 'string' ? [value] : refsOf(value)));
}

describe('AsyncAPI documents of the systems', async () => {
  const files = await asyncApiFiles(repositoryRoot);

  it('are committed as the contracts make them (npm run asyncapi writes them)', async () => {
    assert.ok(files.length >= 2);
    for (const file of files) assert.equal(await readFile(file.path, 'utf8').catch(() => 'missing'), file.text, `${file.path}: run npm run asyncapi`);
  });

  it('give each producing service a channel on its topic, each event a message with its payload schema, and every reference resolves', async () => {
    const { producers } = (await import('@gasstation/contracts')) as typeof import('@gasstation/contracts');
    const document = JSON.parse(files.find((f) => f.path.endsWith('gasstation.json'))!.text) as {
      asyncapi: string;
      channels: Record<string, { address: string }>;
      components: { messages: Record<string, { name: string; payload: { properties: Record<string, unknown> } }> };
    };
    assert.equal(document.asyncapi, '3.0.0');
    assert.deepEqual(Object.keys(document.channels), Object.keys(producers).map((service) => `gasstation.${service}`));
    const sold = producers.pos.find((c) => c.type === 'gasstation.Sold')!;
    assert.equal(document.components.messages.Sold?.name, 'gasstation.Sold');
    assert.deepEqual(document.components.messages.Sold?.payload.properties.payload, JSON.parse(JSON.stringify(sold.schema)));
    for (const ref of refsOf(document)) assert.ok(resolveRef(document, ref) !== undefined, `${ref} resolves`);
  });
});
