import { LRUCache } from 'lru-cache';
import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * oidc-provider's storage, in memory, bounded (least recently used out first) and expiring each
 * entry with its model's TTL. What it holds is short-lived by design: login interactions,
 * sessions, authorization codes (60 s), grants. Access tokens are JWTs and are never stored, so a
 * restart only asks people to sign in again. One store per process, shared by the provider
 * instances a key rotation creates, so a sign-in under way survives the reload.
 */
export type AdapterStore = LRUCache<string, AdapterPayload | string | Set<string>>;

export const createAdapterStore = (max = 20_000): AdapterStore => new LRUCache({ max });

export function memoryAdapter(store: AdapterStore): new (model: string) => Adapter {
  const grantKey = (grantId: string): string => `grant:${grantId}`;
  return class MemoryAdapter implements Adapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const key = this.key(id);
      const ttl = expiresIn === undefined ? undefined : expiresIn * 1_000;
      store.set(key, payload, { ttl });
      if (payload.uid !== undefined && this.model === 'Session') store.set(`sessionUid:${payload.uid}`, id, { ttl });
      if (payload.userCode !== undefined) store.set(`userCode:${payload.userCode}`, id, { ttl });
      if (payload.grantId !== undefined) {
        const members = store.get(grantKey(payload.grantId));
        const set = members instanceof Set ? members : new Set<string>();
        set.add(key);
        store.set(grantKey(payload.grantId), set);
      }
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const found = store.get(this.key(id));
      return typeof found === 'object' && !(found instanceof Set) ? found : undefined;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = store.get(`sessionUid:${uid}`);
      return typeof id === 'string' ? this.find(id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = store.get(`userCode:${userCode}`);
      return typeof id === 'string' ? this.find(id) : undefined;
    }

    async consume(id: string): Promise<void> {
      const found = await this.find(id);
      if (found !== undefined) found.consumed = Math.floor(Date.now() / 1_000);
    }

    async destroy(id: string): Promise<void> {
      store.delete(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const members = store.get(grantKey(grantId));
      if (members instanceof Set) for (const key of members) store.delete(key);
      store.delete(grantKey(grantId));
    }
  };
}
