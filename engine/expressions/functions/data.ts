/** st2 data functions (st2common/expressions/functions/data.py): JSON, YAML, JSONPath, to_complex, use_none. */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ExpressionError } from '../expression-error.ts';
import type { ExpressionFunction } from '../index.ts';
import { bindArgs, positionalOnly } from '../kwargs.ts';
import { pyStr } from '../python-values.ts';
import { pyJsonDumps } from './json-dumps.ts';
import { jsonPathFind } from './jsonpath.ts';
import { PYYAML_OPTIONS } from './pyyaml.ts';

/** What st2's use_none turns None into, so a rendered parameter can become None again after casting. */
export const NONE_MAGIC_VALUE = '%*****__%NONE%__*****%';

function toJsonString(...args: unknown[]): string {
  const a = bindArgs('to_json_string', ['value', 'indent', 'sort_keys', 'separators'], args, {
    indent: null,
    sort_keys: false,
    separators: [',', ': '],
  });
  const indent = a.indent as number | string | null;
  const separators = Array.isArray(a.separators) ? (a.separators as [string, string]) : null;
  return pyJsonDumps(a.value, { indent, sortKeys: Boolean(a.sort_keys), separators });
}

function fromJsonString(...args: unknown[]): unknown {
  const [value] = positionalOnly(args);
  try {
    return JSON.parse(pyStr(value));
  } catch (err) {
    throw new ExpressionError(`from_json_string: invalid JSON: ${(err as Error).message}`);
  }
}

function toYamlString(...args: unknown[]): string {
  const a = bindArgs('to_yaml_string', ['value', 'indent', 'allow_unicode'], args, {
    indent: null,
    allow_unicode: true,
  });
  // PyYAML safe_dump(default_flow_style=False): block style, sorted keys, sequences not indented under keys,
  // single-quoted strings, and an explicit document end after a plain top-level scalar.
  const indent = typeof a.indent === 'number' && a.indent > 0 ? a.indent : 2;
  const out = stringifyYaml(a.value, {
    ...PYYAML_OPTIONS,
    indent,
    indentSeq: false,
    sortMapEntries: true,
    singleQuote: true,
    blockQuote: false,
    lineWidth: 0,
  });
  const scalar = a.value === null || typeof a.value !== 'object';
  return scalar && !out.startsWith("'") && !out.startsWith('"') ? `${out}...\n` : out;
}

function fromYamlString(...args: unknown[]): unknown {
  const [value] = positionalOnly(args);
  try {
    return parseYaml(pyStr(value), PYYAML_OPTIONS) ?? null;
  } catch (err) {
    throw new ExpressionError(`from_yaml_string: invalid YAML: ${(err as Error).message}`);
  }
}

function jsonEscape(...args: unknown[]): string {
  const [value] = positionalOnly(args);
  return pyJsonDumps(value).replace(/^"+|"+$/g, '');
}

function jsonpathQuery(...args: unknown[]): unknown {
  const a = bindArgs('jsonpath_query', ['value', 'query'], args);
  let matches: unknown[];
  try {
    matches = jsonPathFind(a.value, String(a.query));
  } catch (err) {
    throw new ExpressionError(`jsonpath_query: ${(err as Error).message}`);
  }
  return matches.length === 0 ? null : matches;
}

export const dataFunctions: Record<string, ExpressionFunction> = {
  to_json_string: toJsonString,
  json_dump: toJsonString,
  from_json_string: fromJsonString,
  json_parse: fromJsonString,
  to_yaml_string: toYamlString,
  yaml_dump: toYamlString,
  from_yaml_string: fromYamlString,
  yaml_parse: fromYamlString,
  json_escape: jsonEscape,
  jsonpath_query: jsonpathQuery,
  to_complex: (...args: unknown[]) => pyJsonDumps(positionalOnly(args)[0]),
  use_none: (...args: unknown[]) => {
    const [value] = positionalOnly(args);
    return value === null || value === undefined ? NONE_MAGIC_VALUE : value;
  },
};
