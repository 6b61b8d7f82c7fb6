import { runService } from '@eventide/service-host';
import { posService } from './service.ts';

await runService(posService);
