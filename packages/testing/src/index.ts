export * from './eventually.ts';
export * from './clock.ts';
export * from './infra.ts';
export * from './tmp.ts';
export * from './processes.ts';
export * from './fake-upstream.ts';
export * from './ports.ts';
export * from './metrics.ts';
