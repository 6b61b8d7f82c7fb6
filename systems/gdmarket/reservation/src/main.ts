import { runService } from '@eventide/service-host';
import { reservationService } from './service.ts';

await runService(reservationService);
