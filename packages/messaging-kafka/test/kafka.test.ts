import { busContract } from '@eventide/messaging/contract';
import { infraUrl, needs } from '@eventide/testing';
import { openKafkaBus } from '../src/open.ts';

const brokers = infraUrl.kafka.split(',');

busContract({
  name: 'kafka [kafka]',
  open: () => openKafkaBus({ brokers, clientId: 'eventide-contract', sessionTimeoutMs: 6_000 }),
  options: await needs('kafka'),
});
