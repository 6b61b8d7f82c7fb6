import { runService } from '@eventide/service-host';
import { logisticsService } from './service.ts';

await runService(logisticsService);
