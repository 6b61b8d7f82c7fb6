/**
 * The consumer side of bench/embedded.ts, in its own OS process as in the local runner. It
 * handles EXPECT events of TOPIC (payload `{ sentAt }`, epoch ms with sub-ms precision), then
 * prints one JSON line: when it handled the last one and the publish→handle latency percentiles.
 */
import { openEmbeddedBus } from '../src/embedded/open.ts';

const expect = Number(process.env.EXPECT);
const bus = await openEmbeddedBus({ path: process.env.BUS!, clientId: 'bench' });
const latencies: number[] = [];
const now = (): number => performance.timeOrigin + performance.now();
const { promise: done, resolve: finish } = Promise.withResolvers<number>();
await bus.subscribe({
  group: process.env.GROUP!,
  topics: [process.env.TOPIC!],
  handle: async (delivery) => {
    latencies.push(now() - (delivery.envelope.payload as { sentAt: number }).sentAt);
    if (latencies.length === expect) finish(now());
  },
});
process.stdout.write('ready\n');

const lastHandledAt = await done;
await bus.close();
const sorted = latencies.sort((a, b) => a - b);
const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
process.stdout.write(`${JSON.stringify({ lastHandledAt, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) })}\n`);
