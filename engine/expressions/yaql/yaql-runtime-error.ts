/** A YAQL evaluation error (wrapped into an ExpressionError with the expression text by the caller). */
export class YaqlRuntimeError extends Error {}

/** A dict lacks the key read with `.` (Python's KeyError under YAQL's `#operator_.`). */
export class YaqlKeyError extends YaqlRuntimeError {
  constructor(readonly key: string) {
    super(`key '${key}' not found`);
  }
}
