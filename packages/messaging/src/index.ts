export * from './port.ts';
export { openEmbeddedBus, type EmbeddedBusOptions } from './embedded/open.ts';
export { consumerPipeline, type ConsumerPipelineOptions } from './pipeline/consumer-pipeline.ts';
export type { BackoffOptions } from './pipeline/backoff.ts';
export type { DeadLetterEvent } from './pipeline/dead-letter.ts';
export type { PipelineLogger } from './pipeline/logger.ts';
export { compose, type Middleware } from './pipeline/middleware.ts';
export { contractViolations } from './pipeline/validate-payload.ts';
export type { RetryEvent, Sleep } from './pipeline/retry.ts';
