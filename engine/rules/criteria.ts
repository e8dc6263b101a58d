/**
 * Rule criteria evaluation, as st2's RuleFilter does it (st2reactor/rules/filter.py): criteria are ANDed in
 * order and the first false one stops; each criterion renders its pattern (Jinja, `to_complex` semantics),
 * looks its key up in `{trigger: payload}`, and applies its operator. Any exception makes the criterion false
 * and produces a failure reason worded exactly as st2 words it (it becomes a failed rule enforcement).
 */
import { isPlainObject, renderTemplate } from '../expressions/index.ts';
import type { CriterionSpec, RuleDefinition } from '../model/rule.ts';
import { FALLBACK, renderFast } from './fast-template.ts';
import { getOperator, type Operator, SEARCH } from './operators.ts';
import { type CompiledPath, compilePath, findAll, type PayloadLookup } from './payload-lookup.ts';
import { pyStr, pyTruthy } from './python-ops.ts';

/** Datastore values visible to templates: `{ system: {...}, user: {...} }` (st2kv.system.*, st2kv.user.*). */
export type St2kv = Record<string, unknown>;

export interface CriteriaContext {
  st2kv?: St2kv;
}

const TEMPLATE = /\{\{|\{%|\{#/;

/** One criterion, prepared once per rule: parsed key, resolved operator, static or template pattern. */
export interface CompiledCriterion {
  key: string;
  spec: CriterionSpec;
  /** Raw operator name; undefined when the criterion has no `type` (st2: never matches, no failure). */
  type?: string;
  op?: Operator;
  opError?: Error;
  path?: CompiledPath;
  pathError?: Error;
  /** The pattern as written. */
  pattern: unknown;
  /** True when the pattern is a string with Jinja in it (rendered per event). */
  isTemplate: boolean;
  /** st2's `| to_complex` rewrite of a template pattern (see complexPattern). */
  complexPattern?: string;
  /** The pattern a non-template string renders to (Jinja normalizes newlines and drops a trailing one). */
  staticPattern: unknown;
}

/** What Jinja does to a template without any tags: `\r\n`/`\r` become `\n` and one trailing newline goes. */
function jinjaPlainText(text: string): string {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

export function compileCriterion(key: string, spec: CriterionSpec): CompiledCriterion {
  const hasType = isPlainObject(spec) && Object.hasOwn(spec, 'type');
  const pattern = isPlainObject(spec) ? (spec.pattern ?? null) : null;
  const isTemplate = typeof pattern === 'string' && TEMPLATE.test(pattern);
  const c: CompiledCriterion = {
    key,
    spec,
    type: hasType ? (spec.type as string) : undefined,
    pattern,
    isTemplate,
    staticPattern: typeof pattern === 'string' && !isTemplate ? jinjaPlainText(pattern) : pattern,
  };
  if (isTemplate) c.complexPattern = complexPattern(pattern as string);
  if (hasType) {
    try {
      c.op = getOperator(spec.type);
    } catch (err) {
      c.opError = err as Error;
    }
  }
  try {
    c.path = compilePath(key);
  } catch (err) {
    c.pathError = err as Error;
  }
  return c;
}

const compiledByCriteria = new WeakMap<object, CompiledCriterion[]>();

/** Compiles (once per criteria object) a rule's criteria in evaluation order. */
export function compileCriteria(
  criteria: Record<string, CriterionSpec> | undefined | null,
): CompiledCriterion[] {
  if (!criteria || typeof criteria !== 'object') return [];
  let compiled = compiledByCriteria.get(criteria);
  if (!compiled) {
    compiled = Object.entries(criteria).map(([k, v]) => compileCriterion(k, v));
    compiledByCriteria.set(criteria, compiled);
  }
  return compiled;
}

/** Per-event state shared by every rule evaluated for one trigger instance. */
export interface EvalEnv {
  ruleRef: string;
  instanceId: string;
  /** `{trigger: payload, system, st2kv}`: the lookup and render context. */
  context: Record<string, unknown>;
  st2kv?: St2kv;
  /** Failure reasons collected so far (st2 writes one failed enforcement per entry). */
  failures: string[];
}

export function makeContext(payload: unknown, st2kv?: St2kv, prefix = 'trigger'): Record<string, unknown> {
  const context: Record<string, unknown> = { [prefix]: payload };
  if (st2kv) {
    context.st2kv = st2kv;
    if (st2kv.system !== undefined) context.system = st2kv.system;
  }
  return context;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return pyStr(err);
}

function fail(env: EvalEnv, reason: string, err: unknown): void {
  env.failures.push(
    `Failed to match rule "${env.ruleRef}" against trigger instance "${env.instanceId}": ${reason}: ${errorText(err)}`,
  );
}

// st2's MATCH_CRITERIA: on each line, from the first `{{` to the last `}}` (greedy), `| to_complex` is appended.
const MATCH_CRITERIA = /(\{\{)\s*([^\n]*)\s*(\}\})/g;

/** st2's rewrite of a pattern for its typed first attempt, or undefined when it has no `{{ }}`. */
export function complexPattern(pattern: string): string | undefined {
  MATCH_CRITERIA.lastIndex = 0;
  if (!MATCH_CRITERIA.test(pattern)) return undefined;
  return pattern.replace(MATCH_CRITERIA, '$1$2 | to_complex$3');
}

/**
 * Renders a criterion pattern as st2's _render_criteria_pattern does: null and non-strings pass through; a
 * pattern with `{{ }}` is first rendered with `| to_complex` appended and JSON-decoded (so `{{ trigger.n }}`
 * stays a number and `[{{ a }}, {{ b }}]` can be a list); when that is not JSON it is rendered as a string.
 * Render errors propagate (only the JSON decoding falls back).
 */
export function renderPattern(c: CompiledCriterion, context: Record<string, unknown>): unknown {
  if (!c.isTemplate) return c.staticPattern;
  const pattern = c.pattern as string;
  const fast = renderFast(pattern, context, { singleOnly: true });
  if (fast !== FALLBACK) return fast;
  // Rendered first so an undefined value fails the criterion as in st2 (where to_complex cannot serialize
  // StrictUndefined); the renderer's strict mode does not reach values passed into filters.
  const plain = renderTemplate(pattern, context, { strictUndefined: true });
  if (c.complexPattern !== undefined) {
    const rendered = renderTemplate(c.complexPattern, context, { strictUndefined: true });
    try {
      return JSON.parse(rendered);
    } catch {
      // not JSON: st2 uses the pattern rendered as a plain string
    }
  }
  return plain;
}

export interface CriterionOutcome {
  result: boolean;
  value?: unknown;
  renderedPattern?: unknown;
  /** Set when an exception made the criterion false (the text after st2's prefix). */
  error?: string;
  stage?: 'render' | 'lookup' | 'operator';
}

const SEARCH_OP = getOperator(SEARCH);
const subCriteria = new WeakMap<object, Map<string, CompiledCriterion>>();

/** Sub-criteria of `search` are compiled once per (spec object, key). */
function compileSubCriterion(key: string, spec: CriterionSpec): CompiledCriterion {
  if (!isPlainObject(spec)) return compileCriterion(key, spec);
  let byKey = subCriteria.get(spec);
  if (!byKey) {
    byKey = new Map();
    subCriteria.set(spec, byKey);
  }
  let c = byKey.get(key);
  if (!c) {
    c = compileCriterion(key, spec);
    byKey.set(key, c);
  }
  return c;
}

/** st2's _check_criterion. Records a failure reason in env on exceptions. */
export function checkCriterion(
  c: CompiledCriterion,
  context: Record<string, unknown>,
  env: EvalEnv,
): CriterionOutcome {
  if (c.type === undefined) return { result: false };
  let rendered: unknown;
  try {
    rendered = renderPattern(c, context);
  } catch (err) {
    fail(env, `Failed to render pattern value "${pyStr(c.pattern)}" for key "${c.key}"`, err);
    return { result: false, error: errorText(err), stage: 'render' };
  }
  let value: unknown;
  try {
    if (c.pathError) throw c.pathError;
    const matches = findAll(c.path!, context);
    value = matches ? matches[0] : null;
  } catch (err) {
    fail(env, `Failed transforming criteria key ${c.key}`, err);
    return { result: false, renderedPattern: rendered, error: errorText(err), stage: 'lookup' };
  }
  try {
    if (c.opError) throw c.opError;
    let result: boolean;
    if (c.op === SEARCH_OP) {
      const check = (k: string, v: CriterionSpec, lookup: PayloadLookup) => {
        const subContext = env.st2kv
          ? { ...lookup.context, st2kv: env.st2kv, system: env.st2kv.system }
          : lookup.context;
        return checkCriterion(compileSubCriterion(k, v), subContext, env).result;
      };
      result = c.op(value, rendered, (c.spec as CriterionSpec).condition ?? null, check);
    } else {
      result = c.op!(value, rendered);
    }
    return { result: Boolean(result), value, renderedPattern: rendered };
  } catch (err) {
    fail(env, `There might be a problem with the criteria in rule ${env.ruleRef}`, err);
    return { result: false, value, renderedPattern: rendered, error: errorText(err), stage: 'operator' };
  }
}

/**
 * st2's RuleFilter.filter minus the enabled check: criteria present and payload empty → false; otherwise every
 * criterion in order until one is false. Failure reasons land in env.failures.
 */
export function evaluateCompiled(compiled: CompiledCriterion[], payload: unknown, env: EvalEnv): boolean {
  if (compiled.length > 0 && !pyTruthy(payload)) return false;
  for (const c of compiled) {
    if (!checkCriterion(c, env.context, env).result) return false;
  }
  return true;
}

export interface CriteriaEvaluation {
  matched: boolean;
  /** Full st2-style failure reasons (one failed enforcement each). */
  failures: string[];
}

/** Evaluates a rule's criteria against a trigger payload (disabled rules never match). */
export function evaluateCriteria(
  rule: Pick<RuleDefinition, 'ref' | 'criteria'> & { enabled?: boolean },
  payload: unknown,
  options: CriteriaContext & { instanceId?: string } = {},
): CriteriaEvaluation {
  if (rule.enabled === false) return { matched: false, failures: [] };
  const env: EvalEnv = {
    ruleRef: rule.ref,
    instanceId: options.instanceId ?? '',
    context: makeContext(payload, options.st2kv),
    st2kv: options.st2kv,
    failures: [],
  };
  const matched = evaluateCompiled(compileCriteria(rule.criteria), payload, env);
  return { matched, failures: env.failures };
}

/** One row of `squall rule test` output. */
export interface CriterionExplanation {
  key: string;
  /** The key with any `#suffix` stripped (what is looked up). */
  path: string;
  operator: string | null;
  pattern: unknown;
  rendered_pattern: unknown;
  value: unknown;
  result: boolean;
  error?: string;
}

/** Evaluates every criterion (no short-circuit) and explains each one. */
export function explainCriteria(
  rule: Pick<RuleDefinition, 'ref' | 'criteria'>,
  payload: unknown,
  options: CriteriaContext & { instanceId?: string } = {},
): CriterionExplanation[] {
  const env: EvalEnv = {
    ruleRef: rule.ref,
    instanceId: options.instanceId ?? '',
    context: makeContext(payload, options.st2kv),
    st2kv: options.st2kv,
    failures: [],
  };
  return compileCriteria(rule.criteria).map((c) => {
    const out = checkCriterion(c, env.context, env);
    const row: CriterionExplanation = {
      key: c.key,
      path: c.path?.path ?? c.key,
      operator: c.type ?? null,
      pattern: c.pattern,
      rendered_pattern: out.renderedPattern ?? null,
      value: out.value ?? null,
      result: out.result,
    };
    if (c.type === undefined) row.error = 'criterion has no "type" (operator)';
    else if (out.error) row.error = out.error;
    return row;
  });
}
