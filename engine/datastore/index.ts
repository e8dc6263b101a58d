export type { DatastoreBackendOptions } from './create-keyv.ts';
export { createDatastoreKeyv, DEFAULT_KV_NAMESPACE, describeBackend, redactUrl } from './create-keyv.ts';
export type {
  DatastoreOptions,
  KvAddress,
  KvChangeKind,
  KvChangeListener,
  KvChangePayload,
  KvDeleteOptions,
  KvGetOptions,
  KvItem,
  KvListOptions,
  KvLoadItem,
  KvPrincipal,
  KvScope,
  KvSetOptions,
  SecretCipher,
  TemplateKvReader,
} from './datastore.ts';
export {
  Datastore,
  kvRef,
  kvTriggerRef,
  MASKED_VALUE,
} from './datastore.ts';
export {
  DatastoreAccessError,
  DatastoreBackendError,
  DatastoreDecryptError,
  DatastoreInputError,
  DatastoreKeyNotFoundError,
} from './datastore-errors.ts';
export type { OpenDatastoreOptions } from './open-datastore.ts';
export { openDatastore } from './open-datastore.ts';
export { SqliteKeyvStore } from './sqlite-keyv-store.ts';
export type { KvContextOptions, KvReferences, St2kvContext } from './template-context.ts';
export {
  buildSt2kvContext,
  collectKvReferences,
  KvSnapshot,
  kvContextProvider,
  makeSt2kvFunction,
  parseKvRef,
  prefetchKv,
} from './template-context.ts';
