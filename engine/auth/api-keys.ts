import { hash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyRecord, Store } from '../store/store.ts';

export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** Creates an API key: the key is returned once; only its hash is stored. */
export function createApiKey(
  store: Store,
  user: string,
  name?: string,
): { key: string; record: ApiKeyRecord } {
  const key = `sq_${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = {
    id: randomUUID(),
    name,
    user,
    key_hash: hashApiKey(key),
    created_at: new Date().toISOString(),
    enabled: true,
  };
  store.insertApiKey(record);
  return { key, record };
}

/** The user an API key belongs to, or undefined for an unknown or disabled key. */
export function authenticateApiKey(store: Store, key: string): string | undefined {
  const record = store.findApiKeyByHash(hashApiKey(key));
  return record?.enabled ? record.user : undefined;
}
