export * from './envelope.ts';
export * from './errors.ts';
export * from './result.ts';
export * from './clock.ts';
export * from './contract.ts';
export * from './asyncapi.ts';
export * from './id.ts';
