import { runService } from '@eventide/service-host';
import { itemService } from './service.ts';

await runService(itemService);
