import type { BusTarget } from './bus-target.ts';
import { target as embedded } from './embedded-target.ts';
import { target as kafka } from './kafka-target.ts';

/** The buses the real-bus tests run against; another adapter joins by adding its target module here. */
export const busTargets: readonly BusTarget[] = [embedded, kafka];
