export { bundleRun, startRunner, type GatewayStatus, type RunnerOptions, type RunnerStatus, type RunningRunner } from './runner.ts';
export { maxReplicas, type ReplicaStatus, type ServiceStatus } from './service.ts';
export { defaultSupervision, type Supervision } from './replica.ts';
export { controlSocketPath } from './control.ts';
export { memoryOptions } from './env.ts';
export type { Level } from './logs.ts';
