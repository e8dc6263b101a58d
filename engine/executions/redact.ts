import type { Logger } from '../log/logger.ts';

export const MASK = '********';

/** Secrets shorter than this are not redacted from free text (a 1-2 char value would shred every output). */
export const MIN_REDACT_LENGTH = 3;

/** A set of secret strings (plus their JSON-escaped, URL-encoded and base64 forms) replaced by `********`. */
export class Redactor {
  readonly #needles = new Set<string>();
  #sorted: string[] = [];

  add(secret: unknown): void {
    if (secret === undefined || secret === null) return;
    const text = typeof secret === 'string' ? secret : JSON.stringify(secret);
    if (text.trim().length < MIN_REDACT_LENGTH) return;
    const forms = [
      text,
      JSON.stringify(text).slice(1, -1),
      encodeURIComponent(text),
      Buffer.from(text).toString('base64').replace(/=+$/, ''),
    ];
    let changed = false;
    for (const f of forms) {
      if (f.length >= MIN_REDACT_LENGTH && !this.#needles.has(f)) {
        this.#needles.add(f);
        changed = true;
      }
    }
    // Longest first so a secret containing another is replaced whole.
    if (changed) this.#sorted = [...this.#needles].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.#needles.size;
  }

  values(): string[] {
    return this.#sorted;
  }

  /**
   * Where to cut streamed text so that a secret split across two writes is still caught: the index of the longest
   * suffix that could start a secret (held back until more output arrives), or the length when none could.
   */
  holdback(text: string): number {
    if (this.#sorted.length === 0) return text.length;
    const longest = this.#sorted[0]!.length;
    for (let i = Math.max(0, text.length - longest + 1); i < text.length; i++) {
      const suffix = text.slice(i);
      if (this.#sorted.some((needle) => needle.startsWith(suffix))) return i;
    }
    return text.length;
  }

  text(value: string): string {
    if (this.#sorted.length === 0) return value;
    let out = value;
    for (const needle of this.#sorted) if (out.includes(needle)) out = out.split(needle).join(MASK);
    return out;
  }

  /** A copy with every string leaf (and object key) redacted. */
  deep<T>(value: T): T {
    if (this.#sorted.length === 0) return value;
    return this.#deep(value) as T;
  }

  #deep(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value instanceof Error) {
      return {
        type: value.name,
        message: this.text(value.message),
        stack: value.stack && this.text(value.stack),
      };
    }
    if (Array.isArray(value)) return value.map((v) => this.#deep(v));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.#deep(v);
      return out;
    }
    return value;
  }
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** Wraps a logger so every argument of every line passes through the redactor (and children stay wrapped). */
export function redactingLogger(logger: Logger, redactor: Redactor): Logger {
  return new Proxy(logger, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && (LEVELS as readonly string[]).includes(prop)) {
        const method = Reflect.get(target, prop, receiver) as (...args: unknown[]) => void;
        return (...args: unknown[]) => method.apply(target, args.map((a) => redactor.deep(a)) as []);
      }
      if (prop === 'child') {
        return (...args: Parameters<Logger['child']>) =>
          redactingLogger(target.child(...args) as unknown as Logger, redactor);
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}
