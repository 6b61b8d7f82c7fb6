import { enableCompileCache } from 'node:module';
import { compileCacheDir } from './compile-cache.ts';

// Before anything else is loaded, so the runner's own modules come from the cache too.
enableCompileCache(compileCacheDir(process.env));
await import('./commands.ts');
