export { openKafkaBus, type KafkaBusOptions } from './open.ts';
