/** An expression or template failed to parse or evaluate. `expression` is the source text. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly expression?: string,
    readonly language?: 'jinja' | 'yaql',
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}
