import Type from 'typebox';
import type { App } from './definition.ts';
import type { ReadModelRebuilds } from './rebuild.ts';

/**
 * Operators' endpoints, on the service's own port only: the gateway routes only the prefixes of the
 * system's manifest, and `/admin` is never one of them. Hidden from the OpenAPI document.
 */
export function adminRoutes(app: App, rebuilds: ReadModelRebuilds): void {
  app.get('/admin/read-models', { schema: { hide: true } }, async () => rebuilds.names);
  app.post(
    '/admin/read-models/:name/rebuild',
    { schema: { hide: true, params: Type.Object({ name: Type.String({ minLength: 1 }) }) } },
    async (request) => rebuilds.rebuild(request.params.name),
  );
}
