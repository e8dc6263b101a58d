/** A YAQL evaluation error (wrapped into an ExpressionError with the expression text by the caller). */
export class YaqlRuntimeError extends Error {}
