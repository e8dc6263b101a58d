/** The acting principal may not do this (API: 403). */
export class DatastoreAccessError extends Error {
  readonly code = 'forbidden';
  constructor(message: string) {
    super(message);
    this.name = 'DatastoreAccessError';
  }
}

/** The key does not exist or has expired (API: 404). */
export class DatastoreKeyNotFoundError extends Error {
  readonly code = 'not_found';
  constructor(readonly ref: string) {
    super(`datastore key "${ref}" does not exist`);
    this.name = 'DatastoreKeyNotFoundError';
  }
}

/** A stored secret could not be decrypted (tampered value or wrong key). */
export class DatastoreDecryptError extends Error {
  readonly code = 'decrypt_failed';
  constructor(
    readonly ref: string,
    reason: string,
  ) {
    super(`cannot decrypt datastore key "${ref}": ${reason}`);
    this.name = 'DatastoreDecryptError';
  }
}

/** Bad input: empty name, non-string value, bad ttl, bad scope (API: 400). */
export class DatastoreInputError extends Error {
  readonly code = 'invalid';
  constructor(message: string) {
    super(message);
    this.name = 'DatastoreInputError';
  }
}

/** The storage backend (SQLite file, Redis) failed; `cause` holds the original error. */
export class DatastoreBackendError extends Error {
  readonly code = 'backend_failed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatastoreBackendError';
  }
}
