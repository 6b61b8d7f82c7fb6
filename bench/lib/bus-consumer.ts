/**
 * The consumer side of bench/bus.ts, in its own OS process as services are. It handles EXPECT
 * events of TOPIC (payload `{ sentAt }`, wall-clock ms), then prints one JSON line: when it handled
 * the last one and the publish→handle latencies' percentiles.
 */
import { openBenchBus, type Adapter } from './buses.ts';
import { now, summarize } from './stats.ts';

const expect = Number(process.env.EXPECT);
const bus = await openBenchBus(process.env.ADAPTER as Adapter, process.env.TARGET!, 'bench-consumer');
const latencies: number[] = [];
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
process.stdout.write(`${JSON.stringify({ lastHandledAt, ...summarize(latencies) })}\n`);
await bus.close();
