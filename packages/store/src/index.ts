export * from './store.ts';
export * from './dialect-of.ts';
export * from './insert-ignore.ts';
export * from './compiled-once.ts';
export { clusterByPrimaryKey } from './sqlite/cluster-by-primary-key.ts';
export * from './classify-error.ts';
export type * from './logger.ts';
export * from './documents/port.ts';
export { openSqlDocuments, documentsTable, documentsAppliedTable, documentsMigrationTable } from './documents/sql-documents.ts';
export type { SqlDocumentsOptions } from './documents/sql-documents.ts';
import type { Documents } from './documents/port.ts';
import type { RedisDocumentsOptions } from './documents/redis-documents.ts';

/** Redis read models; ioredis loads only when a service uses them (see redis-documents.ts). */
export async function openRedisDocuments(url: string, options?: RedisDocumentsOptions): Promise<Documents> {
  const { openRedisDocuments: open } = await import('./documents/redis-documents.ts');
  return open(url, options);
}
export type { RedisDocumentsOptions } from './documents/redis-documents.ts';
export * from './counters.ts';
export * from './versioned-table.ts';
