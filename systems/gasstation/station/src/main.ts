import { runService } from '@eventide/service-host';
import { stationService } from './service.ts';

await runService(stationService);
