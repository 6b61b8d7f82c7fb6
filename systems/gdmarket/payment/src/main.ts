import { runService } from '@eventide/service-host';
import { paymentService } from './service.ts';

await runService(paymentService);
