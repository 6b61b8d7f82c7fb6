import { runService } from '@eventide/service-host';
import { orderService } from './service.ts';

await runService(orderService);
