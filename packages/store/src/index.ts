export * from './store.ts';
export * from './dialect-of.ts';
export * from './insert-ignore.ts';
export * from './classify-error.ts';
export type * from './logger.ts';
