// Child process of the benchmark: the fake service, its URL sent over IPC; exits when the parent goes.
import { startFakeService } from '../test/support/upstream.ts';

const service = await startFakeService('bench');
process.send?.({ url: service.url });
process.on('message', (message) => message === 'cpu' && process.send?.({ cpu: process.cpuUsage() }));
process.on('disconnect', () => void service.close().then(() => process.exit(0)));
