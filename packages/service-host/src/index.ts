export * from './config.ts';
export * from './definition.ts';
export * from './host.ts';
export * from './metrics.ts';
export * from './problem.ts';
export * from './run.ts';
export * from './system.ts';
export * from './paging.ts';
