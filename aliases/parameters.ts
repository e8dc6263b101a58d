/**
 * From extracted chat parameters to execution parameters (st2's aliasexecution: inject_immutable_parameters
 * + cast_params). Immutable parameters containing Jinja are returned apart, for the caller to render with
 * the datastore context; user values are never rendered.
 */
import type { AliasDefinition } from '../engine/model/alias.ts';
import type { ParameterSchema, ParameterSpec } from '../engine/model/parameters.ts';

export class AliasParameterError extends Error {
  constructor(
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'AliasParameterError';
  }
}

export interface ExecutionParameters {
  /** Cast user values and the literal immutable parameters. */
  parameters: Record<string, unknown>;
  /** Immutable parameters that contain templates: render them, then merge (and cast) them. */
  templated: Record<string, unknown>;
  /** Keys whose values came from the chat text (untrusted data). */
  untrustedParameters: string[];
}

const JINJA = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/;

function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return JINJA.test(value);
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasTemplate);
  return false;
}

export function buildExecutionParameters(
  alias: Pick<AliasDefinition, 'ref' | 'immutable_parameters'>,
  extracted: Record<string, string>,
  actionParameters?: ParameterSchema,
): ExecutionParameters {
  const immutable = alias.immutable_parameters ?? {};
  const overridden = Object.keys(immutable).filter((k) => Object.hasOwn(extracted, k));
  if (overridden.length > 0) {
    throw new AliasParameterError(
      `Immutable arguments cannot be overriden: ${overridden.join(',')}`,
      overridden[0],
    );
  }
  const parameters: Record<string, unknown> = {};
  const templated: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extracted)) parameters[k] = castParameter(k, v, actionParameters?.[k]);
  for (const [k, v] of Object.entries(immutable)) {
    if (hasTemplate(v)) templated[k] = v;
    else parameters[k] = castParameter(k, v, actionParameters?.[k]);
  }
  return { parameters, templated, untrustedParameters: Object.keys(extracted) };
}

function effectiveType(spec: ParameterSpec | undefined): string | undefined {
  const t = spec?.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    // A union that admits strings needs no cast; otherwise cast to the first concrete type.
    if (t.includes('string')) return 'string';
    return t.find((x) => x !== 'null');
  }
  return undefined;
}

const TRUE = new Set(['true', 'yes', 'on', '1', 'y']);
const FALSE = new Set(['false', 'no', 'off', '0', 'n']);

/** Cast one chat value to the action parameter's type (st2's cast_params, with `array` = comma split). */
export function castParameter(name: string, value: unknown, spec?: ParameterSpec): unknown {
  if (typeof value !== 'string') return value;
  const type = effectiveType(spec);
  const fail = (expected: string) =>
    new AliasParameterError(`Parameter "${name}" expects ${expected}, got ${JSON.stringify(value)}`, name);
  const text = value.trim();
  switch (type) {
    case 'array': {
      if (text.startsWith('[')) {
        try {
          const parsed: unknown = JSON.parse(text);
          if (Array.isArray(parsed)) return parsed;
        } catch {
          // Not JSON: fall through to the comma split.
        }
      }
      return value.split(',').map((v) => v.trim());
    }
    case 'integer': {
      if (!/^[-+]?\d+$/.test(text)) throw fail('an integer');
      const n = Number(text);
      if (!Number.isSafeInteger(n)) throw fail('an integer within ±2^53');
      return n;
    }
    case 'number': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) throw fail('a number');
      return n;
    }
    case 'boolean': {
      const t = text.toLowerCase();
      if (TRUE.has(t)) return true;
      if (FALSE.has(t)) return false;
      throw fail('a boolean (true/false, yes/no, on/off, 1/0)');
    }
    case 'object': {
      const parsed = parseObject(text);
      if (parsed === undefined) throw fail('a JSON object');
      return parsed;
    }
    case 'null':
      if (text === '' || text === 'null' || text === 'None') return null;
      throw fail('null');
    default:
      return value;
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  for (const candidate of [text, text.replace(/'/g, '"')]) {
    try {
      const parsed: unknown = JSON.parse(candidate);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // Try the next spelling (Python dict literals use single quotes).
    }
  }
  return undefined;
}
