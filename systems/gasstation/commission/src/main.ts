import { runService } from '@eventide/service-host';
import { commissionService } from './service.ts';

await runService(commissionService);
