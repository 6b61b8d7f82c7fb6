import { createHash } from 'node:crypto';

const block = Buffer.alloc(64 * 1024, 7);
const document = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 100, tags: ['a', 'b'] })) };

/**
 * Milliseconds this process takes for a fixed piece of CPU work (hashing and JSON, as services
 * do): the same at every call on the same machine, so two readings show how fast the machine was
 * at those moments. This virtual machine's speed moves by up to 60% within an hour, and a
 * benchmark's numbers mean little without it.
 */
export function calibrate(): number {
  const started = performance.now();
  for (let i = 0; i < 300; i++) {
    createHash('sha256').update(block).digest();
    JSON.parse(JSON.stringify(document));
  }
  return Math.round(performance.now() - started);
}
