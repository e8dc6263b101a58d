/**
 * Renders a rule's `action.parameters` for one trigger instance. Context: `{trigger: payload, st2kv, ...extra}`.
 * Strings with Jinja go through renderValue (`{{ trigger.n }}` keeps n's type); payload text is data and is
 * never rendered itself. For shell-command runners the `cmd` parameter sees a payload whose string leaves are
 * shell-quoted, so `{{ trigger.body.x }}` can never inject shell syntax.
 */
import { isPlainObject, renderShellCommand, renderValue } from '../expressions/index.ts';
import type { ActionDefinition } from '../model/action.ts';
import type { RuleDefinition } from '../model/rule.ts';
import type { TriggerInstance } from '../model/trigger.ts';
import type { St2kv } from './criteria.ts';
import { FALLBACK, renderFast } from './fast-template.ts';

/** Runners whose `cmd` parameter is a shell command line. */
export const SHELL_CMD_RUNNERS: ReadonlySet<string> = new Set(['local-shell-cmd', 'remote-shell-cmd']);

const JINJA_BLOCK = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const HAS_JINJA = /\{\{|\{%/;
const TRIGGER_REF = /(?<![\w.$])trigger\b/;

interface ParamPlan {
  name: string;
  value: unknown;
  /** Some string inside has Jinja. */
  templated: boolean;
  /** A template mentions `trigger`: the rendered value carries outside data. */
  usesTrigger: boolean;
}

function scan(value: unknown, onString: (s: string) => void): void {
  if (typeof value === 'string') onString(value);
  else if (Array.isArray(value)) for (const v of value) scan(v, onString);
  else if (isPlainObject(value)) for (const v of Object.values(value)) scan(v, onString);
}

const plans = new WeakMap<object, ParamPlan[]>();

/** Analyses (once per parameters object) which parameters are templates and which read the trigger. */
function planFor(parameters: Record<string, unknown>): ParamPlan[] {
  let plan = plans.get(parameters);
  if (plan) return plan;
  plan = Object.entries(parameters).map(([name, value]) => {
    let templated = false;
    let usesTrigger = false;
    scan(value, (s) => {
      if (!HAS_JINJA.test(s)) return;
      templated = true;
      for (const block of s.match(JINJA_BLOCK) ?? []) if (TRIGGER_REF.test(block)) usesTrigger = true;
    });
    return { name, value, templated, usesTrigger };
  });
  plans.set(parameters, plan);
  return plan;
}

/** Names of the rule's action parameters whose templates reference `trigger` (their values are outside data). */
export function untrustedRuleParameters(rule: Pick<RuleDefinition, 'action'>): string[] {
  const params = rule.action.parameters;
  if (!params) return [];
  return planFor(params)
    .filter((p) => p.usesTrigger)
    .map((p) => p.name);
}

/** Thrown when a parameter fails to render; the message is st2's (`Failed to render parameter "x": ...`). */
export class ParameterRenderError extends Error {
  constructor(
    readonly parameter: string,
    cause: unknown,
  ) {
    super(
      `Failed to render parameter "${parameter}": ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'ParameterRenderError';
  }
}

/**
 * renderValue on every string leaf. `quoted` (shell mode) supplies the context whose trigger leaves are
 * shell-quoted; the simple-template shortcut quotes the looked-up value instead of the whole payload.
 */
const TRIGGER_TAINTED: ReadonlySet<string> = new Set(['trigger']);

function renderLeaves(value: unknown, data: Record<string, unknown>, shellCmd = false): unknown {
  if (typeof value === 'string') {
    if (!HAS_JINJA.test(value)) return value;
    // A shell command line: trigger values are quoted for the shell context each one stands in.
    if (shellCmd) return renderShellCommand(value, data, TRIGGER_TAINTED, { strictUndefined: true });
    const fast = renderFast(value, data, {});
    if (fast !== FALLBACK) return fast;
    return renderValue(value, data, { strictUndefined: true });
  }
  if (Array.isArray(value)) return value.map((v) => renderLeaves(v, data, shellCmd));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderLeaves(v, data, shellCmd);
    return out;
  }
  return value;
}

export interface RenderRuleParamsOptions {
  /** The target action: its runner decides whether `cmd` is rendered with shell-quoted trigger values. */
  action?: ActionDefinition;
  st2kv?: St2kv;
  /** More template variables (e.g. `config_context`). */
  extra?: Record<string, unknown>;
}

/** Renders the rule's action parameters against the instance; throws ParameterRenderError naming the parameter. */
export function renderRuleActionParameters(
  rule: Pick<RuleDefinition, 'action'>,
  instance: Pick<TriggerInstance, 'payload'>,
  options: RenderRuleParamsOptions = {},
): Record<string, unknown> {
  const params = rule.action.parameters;
  if (!params) return {};
  const data: Record<string, unknown> = { ...options.extra, trigger: instance.payload };
  if (options.st2kv) {
    data.st2kv = options.st2kv;
    // st2's older spelling `{{ system.key }}` for `{{ st2kv.system.key }}`.
    if (data.system === undefined && options.st2kv.system !== undefined) data.system = options.st2kv.system;
  }
  const shell = options.action ? SHELL_CMD_RUNNERS.has(options.action.runner_type) : false;
  const out: Record<string, unknown> = {};
  for (const p of planFor(params)) {
    if (!p.templated) {
      // A copy, so whoever runs the action cannot alter the rule's definition.
      out[p.name] = typeof p.value === 'object' && p.value !== null ? structuredClone(p.value) : p.value;
      continue;
    }
    try {
      out[p.name] = renderLeaves(p.value, data, shell && p.name === 'cmd' && p.usesTrigger);
    } catch (err) {
      throw new ParameterRenderError(p.name, err);
    }
  }
  return out;
}
