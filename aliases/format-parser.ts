/**
 * st2's ActionAliasFormatParser (st2common/models/utils/action_alias_utils.py), reproduced on JS regexes,
 * with two fixes: a trailing `k=v` token is an extra parameter only when `k` looks like a parameter name
 * (and, when known, is one of the action's parameters) — st2#5074 — and smart quotes / non-breaking
 * spaces from chat clients are normalised first. Extracted values are plain strings, never rendered.
 */

import { compileVm, type VmProgram, vmExec } from './backtrack-vm.ts';
import { compilePython, PythonRegexError, type RegexNode, searchAnchors } from './python-regex.ts';
import { trailingPairsStart } from './trailing-pairs.ts';

export class AliasParseError extends Error {
  constructor(
    message: string,
    readonly reason: 'no_match' | 'no_value',
    readonly format: string,
    readonly command: string,
  ) {
    super(message);
    this.name = 'AliasParseError';
  }
}

/** The format string itself is unusable (not a valid regex once its `{{ }}` are substituted). */
export class AliasFormatError extends Error {
  constructor(
    message: string,
    readonly format: string,
  ) {
    super(message);
    this.name = 'AliasFormatError';
  }
}

export interface ParseOptions {
  /** The action's parameter names: a trailing `k=v` with another `k` stays part of the command (st2#5074). */
  actionParameterNames?: ReadonlySet<string>;
}

export interface CompiledFormat {
  format: string;
  /** The Python regex st2 would compile (after `{{ }}` substitution and anchoring). */
  pythonSource: string;
  regex: RegExp;
  /** Same regex with the `d` flag, for ranking (created on first use). */
  indexed(): RegExp;
  /** Same regex with the `g` flag, for match_multiple (created on first use). */
  global(): RegExp;
  /**
   * First match at or after `from`: V8 for ordinary commands, the linear bit-state matcher when the
   * command is long enough for the lazy parameters to backtrack badly.
   */
  exec(stream: string, from?: number, withIndices?: boolean): RegExpExecArray | null;
  /** Optional parameters `{{k=default}}` in format order, with their verbatim defaults. */
  optional: Array<{ key: string; default: string }>;
  /** Named groups of the regex, in order (parameters and raw `(?P<name>...)`). */
  groupNames: string[];
  /** Literal text every match must start with (after leading whitespace); null when none is certain. */
  leadingLiteral: string | null;
}

export interface TrailingPair {
  key: string;
  value: string;
  /** Offset in the normalised command where the pair (with its leading whitespace) starts. */
  start: number;
}

export interface PreparedCommand {
  original: string;
  /** After smart-quote / NBSP normalisation. */
  text: string;
  /** Every `k=v` of the trailing run, as st2's `ending` regex finds them (before filtering). */
  pairs: TrailingPair[];
  /** Cached per parameter-name set: the padded stream and the pairs taken as extras. */
  cache: Map<ReadonlySet<string> | undefined, { stream: string; blank: boolean; extras: TrailingPair[] }>;
}

export interface FormatHit {
  params: Record<string, string>;
  stream: string;
  match: RegExpExecArray;
  defaultsUsed: number;
}

// ---- st2's regex snippets --------------------------------------------------------------------------

const PAIR = String.raw`(?:^|\s+)\s*(\S+?)\s*=(""|''|"([\s\S]+?)"|'([\s\S]+?)'|(\{[\s\S]+?\})|(\S+))`;
const PAIR_G = new RegExp(PAIR, 'g');
const KEY = String.raw`\s*(\S+?)\s*`;
// re.sub runs without DOTALL (`.` stops at \n); re.findall for the defaults runs with DOTALL.
const OPTIONAL_SUB = new RegExp(
  String.raw`(\s*)\{\{${KEY}\s*=\s*(?:""|''|"([^\n]+?)"|'([^\n]+?)'|(\{[^\n]+?\})|([^\n]+?))\s*\}\}`,
  'g',
);
const OPTIONAL_FIND = new RegExp(
  String.raw`\{\{${KEY}\s*=\s*(?:""|''|"([\s\S]+?)"|'([\s\S]+?)'|(\{[\s\S]+?\})|([\s\S]+?))\s*\}\}`,
  'g',
);
const REQUIRED_SUB = new RegExp(String.raw`(\s*)\{\{${KEY}\}\}`, 'g');
const VALUE = `(?:(?<=').+?(?=')|(?<=").+?(?=")|{.+?}|.+?)`;
const paramMatch = (ws: string, key: string) => `${ws}["']?(?P<${key}>${VALUE})["']?`;

/** Names a trailing `k=v` may use: parameter-like, so `https://x/?a=1` or `"x=1"` never are. */
const PARAM_NAME = /^[A-Za-z_][\w-]*$/;

const SMART = /[\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b\u00a0\u2007\u202f]/g;
const SMART_MAP: Record<string, string> = {
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u201f': '"',
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u00a0': ' ',
  '\u2007': ' ',
  '\u202f': ' ',
};

/** Chat clients turn quotes into “ ” ‘ ’ and spaces into NBSP; st2's parser only knows ASCII ones. */
export function normalizeCommand(command: string): string {
  return command.replace(SMART, (c) => SMART_MAP[c] ?? c);
}

// ---- compile -----------------------------------------------------------------------------------------

const compiledCache = new Map<string, CompiledFormat>();

/** Compile a format string once (cached by its text). Throws AliasFormatError when it cannot be a regex. */
export function compileFormat(format: string): CompiledFormat {
  let c = compiledCache.get(format);
  if (!c) {
    c = compileUncached(format);
    if (compiledCache.size > 10_000) compiledCache.clear();
    compiledCache.set(format, c);
  }
  return c;
}

function compileUncached(format: string): CompiledFormat {
  const optional: Array<{ key: string; default: string }> = [];
  for (const m of format.matchAll(OPTIONAL_FIND)) {
    optional.push({ key: m[1]!, default: (m[2] ?? '') + (m[3] ?? '') + (m[4] ?? '') + (m[5] ?? '') });
  }
  let reg = format.replace(OPTIONAL_SUB, (_m, ws: string, key: string) => `(?:${paramMatch(ws, key)})?`);
  reg = reg.replace(REQUIRED_SUB, (_m, ws: string, key: string) => paramMatch(ws, key));

  let nodes: RegexNode[];
  try {
    nodes = compilePython(reg, { dotAll: true }).parsed.nodes;
  } catch (err) {
    throw formatError(format, err);
  }
  if (!searchAnchors(nodes, ['bol', 'bos'])) reg = String.raw`^\s*${reg}`;
  if (!searchAnchors(nodes, ['eol', 'eos'])) reg = String.raw`${reg}\s*$`;

  let compiled: ReturnType<typeof compilePython>;
  try {
    compiled = compilePython(reg, { dotAll: true });
  } catch (err) {
    throw formatError(format, err);
  }
  const { regex, parsed } = compiled;
  let indexed: RegExp | undefined;
  let global: RegExp | undefined;
  let vm: VmProgram | null | undefined;
  const params = (format.match(PARAM_COUNT) ?? []).length;
  const self: CompiledFormat = {
    format,
    pythonSource: reg,
    regex,
    indexed: () => {
      indexed ??= new RegExp(regex.source, `${regex.flags}d`);
      return indexed;
    },
    global: () => {
      global ??= new RegExp(regex.source, `${regex.flags}g`);
      return global;
    },
    exec: (stream, from = 0, withIndices = false) => {
      if (backtrackingCost(stream, params) > V8_BUDGET) {
        vm ??= compileVm(parsed.nodes, parsed.flags.i);
        if (vm) return vmExec(vm, stream, from, withIndices);
      }
      if (from === 0) return (withIndices ? self.indexed() : regex).exec(stream);
      const re = withIndices ? new RegExp(regex.source, `${regex.flags}dg`) : self.global();
      re.lastIndex = from;
      return re.exec(stream);
    },
    optional,
    groupNames: parsed.groupNames,
    leadingLiteral: parsed.flags.i || parsed.flags.m ? null : leadingLiteral(parsed.nodes),
  };
  return self;
}

const PARAM_COUNT = /\{\{/g;
const V8_BUDGET = 50_000;

/** Rough step count for V8: each lazy parameter may try every whitespace split of the words after it. */
function backtrackingCost(stream: string, params: number): number {
  if (params <= 1) return stream.length;
  let splits = 1;
  for (let k = 0; k < stream.length; k++) {
    const c = stream.charCodeAt(k);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 34 || c === 39) splits++;
  }
  return stream.length * splits ** (params - 1);
}

function formatError(format: string, err: unknown): AliasFormatError {
  const why = err instanceof PythonRegexError ? err.message : String(err);
  return new AliasFormatError(`Format string "${format}" is not a valid alias format: ${why}`, format);
}

/** `^\s*` followed by plain literals: the text a command must start with (after its leading spaces). */
function leadingLiteral(nodes: readonly RegexNode[]): string | null {
  const [a, b] = nodes;
  if (a?.t !== 'at' || (a.kind !== 'bol' && a.kind !== 'bos')) return null;
  if (b?.t !== 'repeat' || b.min !== 0 || b.lazy || b.body.t !== 'esc' || b.body.e !== 's') return null;
  let text = '';
  for (let k = 2; k < nodes.length; k++) {
    const n = nodes[k]!;
    if (n.t !== 'lit' || n.i) break;
    text += String.fromCodePoint(n.cp);
  }
  // A literal starting with whitespace could be absorbed differently by `\s*`: do not index it.
  if (text === '' || /^\s/.test(text)) return null;
  return text;
}

// ---- prepare a command ------------------------------------------------------------------------------

export function prepareCommand(command: string | null | undefined): PreparedCommand {
  const original = command ?? '';
  const text = normalizeCommand(original);
  const pairs: TrailingPair[] = [];
  const runStart = trailingPairsStart(text);
  if (runStart < text.length) {
    const run = text.slice(runStart);
    PAIR_G.lastIndex = 0;
    for (const m of run.matchAll(PAIR_G)) {
      const value = (m[3] ?? '') + (m[4] ?? '') + (m[5] ?? '') + (m[6] ?? '');
      pairs.push({ key: m[1]!, value, start: runStart + m.index });
    }
  }
  return { original, text, pairs, cache: new Map() };
}

/** The padded stream st2 matches, and the trailing pairs taken as extra parameters. */
export function streamFor(
  prepared: PreparedCommand,
  names?: ReadonlySet<string>,
): { stream: string; blank: boolean; extras: TrailingPair[] } {
  let entry = prepared.cache.get(names);
  if (!entry) {
    const { pairs, text } = prepared;
    let lastInvalid = -1;
    for (let k = 0; k < pairs.length; k++) {
      const key = pairs[k]!.key;
      if (!PARAM_NAME.test(key) || (names && !names.has(key))) lastInvalid = k;
    }
    const extras = pairs.slice(lastInvalid + 1);
    const cut = extras.length > 0 ? extras[0]!.start : text.length;
    const kept = text.slice(0, cut);
    entry = { stream: ` ${kept} `, blank: kept.trim() === '', extras };
    prepared.cache.set(names, entry);
  }
  return entry;
}

// ---- extract ------------------------------------------------------------------------------------------

function buildHit(
  compiled: CompiledFormat,
  m: RegExpExecArray,
  stream: string,
  blank: boolean,
  extras: readonly TrailingPair[],
): FormatHit | null {
  const params: Record<string, string> = {};
  const groups = m.groups;
  if (groups) {
    for (const name of compiled.groupNames) {
      const v = groups[name];
      // st2 keeps None for a group that did not take part; we leave the key out (the action default applies).
      if (v !== undefined) params[name] = v;
    }
  }
  let defaultsUsed = 0;
  for (const opt of compiled.optional) {
    if (params[opt.key]) continue;
    params[opt.key] = opt.default;
    defaultsUsed++;
  }
  for (const p of extras) params[p.key] = p.value;
  if (blank && compiled.format && !Object.values(params).some((v) => v)) return null;
  return { params, stream, match: m, defaultsUsed };
}

/** Match one compiled format against a prepared command; null when st2 would raise ParseException. */
export function matchFormat(
  compiled: CompiledFormat,
  prepared: PreparedCommand,
  names?: ReadonlySet<string>,
  withIndices = false,
): FormatHit | null {
  const { stream, blank, extras } = streamFor(prepared, names);
  const m = compiled.exec(stream, 0, withIndices);
  if (!m) return null;
  return buildHit(compiled, m, stream, blank, extras);
}

/** match_multiple: every non-overlapping match (re.finditer), in order. */
export function matchFormatAll(
  compiled: CompiledFormat,
  prepared: PreparedCommand,
  names?: ReadonlySet<string>,
): FormatHit[] {
  const { stream, blank, extras } = streamFor(prepared, names);
  const hits: FormatHit[] = [];
  for (let from = 0; from <= stream.length; ) {
    const m = compiled.exec(stream, from);
    if (!m) break;
    from = m.index + (m[0] === '' ? 1 : m[0].length);
    const hit = buildHit(compiled, m, stream, blank, extras);
    if (hit) hits.push(hit);
  }
  return hits;
}

function failure(format: string, prepared: PreparedCommand, matched: boolean): AliasParseError {
  if (matched) {
    return new AliasParseError(
      'No value supplied and no default value found.',
      'no_value',
      format,
      prepared.original,
    );
  }
  return new AliasParseError(
    `Command "${prepared.original}" doesn't match format string "${format}"`,
    'no_match',
    format,
    prepared.original,
  );
}

/**
 * Extract parameters from `command` per the alias `format` (st2's get_extracted_param_value).
 * Throws AliasParseError (st2's messages) or AliasFormatError.
 */
export function parseCommand(
  format: string | null | undefined,
  command: string | null | undefined,
  options: ParseOptions = {},
): Record<string, string> {
  const fmt = format ?? '';
  const compiled = compileFormat(fmt);
  const prepared = prepareCommand(command);
  const hit = matchFormat(compiled, prepared, options.actionParameterNames);
  if (!hit) {
    const matched = compiled.exec(streamFor(prepared, options.actionParameterNames).stream) !== null;
    throw failure(fmt, prepared, matched);
  }
  return hit.params;
}

/** match_multiple formats: one parameter dict per match, in order (st2's get_multiple_extracted_param_value). */
export function parseCommandMultiple(
  format: string | null | undefined,
  command: string | null | undefined,
  options: ParseOptions = {},
): Array<Record<string, string>> {
  const compiled = compileFormat(format ?? '');
  const prepared = prepareCommand(command);
  return matchFormatAll(compiled, prepared, options.actionParameterNames).map((h) => h.params);
}
