/**
 * Turns a rule YAML document (st2 format) into a RuleDefinition, with errors that name the file and field.
 */
import { isPlainObject } from '../expressions/index.ts';
import type { CriterionSpec, RuleDefinition } from '../model/rule.ts';
import { isOperator, SEARCH } from './operators.ts';

export class RuleValidationError extends Error {
  constructor(
    /** Dotted field, e.g. `criteria.trigger.body.x.type`. */
    readonly field: string,
    readonly problem: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}rule field "${field}" ${problem}`);
    this.name = 'RuleValidationError';
  }
}

export interface ParseRuleOptions {
  /** Path of the YAML file (goes into errors and `metadata_file`). */
  file?: string;
  /** Pack the file belongs to: used when the YAML has no `pack`, and must agree when it has one. */
  pack?: string;
  /** `squall rule test` mode (st2-rule-tester): name/pack default to `unknown`, action optional, enabled forced. */
  forTest?: boolean;
}

const SEARCH_CONDITIONS = new Set(['any', 'all', 'all2any', 'any2any']);

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

function validateCriteria(
  raw: unknown,
  field: string,
  file: string | undefined,
): Record<string, CriterionSpec> {
  if (raw === null || raw === undefined) return {};
  if (!isPlainObject(raw))
    throw new RuleValidationError(
      field,
      `must be a mapping of key → {type, pattern}, got ${describe(raw)}`,
      file,
    );
  for (const [key, spec] of Object.entries(raw)) {
    const f = `${field}.${key}`;
    if (!isPlainObject(spec))
      throw new RuleValidationError(
        f,
        `must be a mapping with "type" and "pattern", got ${describe(spec)}`,
        file,
      );
    if (typeof spec.type !== 'string' || spec.type === '') {
      throw new RuleValidationError(
        `${f}.type`,
        `is required: the operator name (e.g. equals, regex, gt), got ${describe(spec.type)}`,
        file,
      );
    }
    if (!isOperator(spec.type))
      throw new RuleValidationError(`${f}.type`, `names an unknown operator "${spec.type}"`, file);
    if (spec.type.toLowerCase() === SEARCH) {
      if (!SEARCH_CONDITIONS.has(spec.condition as string)) {
        throw new RuleValidationError(
          `${f}.condition`,
          `must be one of any, all, all2any, any2any for the search operator, got ${describe(spec.condition)}`,
          file,
        );
      }
      validateCriteria(spec.pattern, `${f}.pattern`, file);
      if (!isPlainObject(spec.pattern))
        throw new RuleValidationError(
          `${f}.pattern`,
          'must be a mapping of item.<path> → {type, pattern} for the search operator',
          file,
        );
    }
  }
  return raw as Record<string, CriterionSpec>;
}

function optionalString(doc: Record<string, unknown>, key: string, file?: string): string | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new RuleValidationError(key, `must be a string, got ${describe(v)}`, file);
  return v;
}

/** Validates and converts a parsed rule YAML document. Throws RuleValidationError naming the field. */
export function parseRuleDefinition(doc: unknown, options: ParseRuleOptions = {}): RuleDefinition {
  const file = options.file;
  if (!isPlainObject(doc))
    throw new RuleValidationError('(document)', `must be a mapping, got ${describe(doc)}`, file);

  const name = optionalString(doc, 'name', file) ?? (options.forTest ? 'unknown' : undefined);
  if (!name) throw new RuleValidationError('name', 'is required', file);

  const declaredPack = optionalString(doc, 'pack', file);
  if (declaredPack && options.pack && declaredPack !== options.pack) {
    throw new RuleValidationError(
      'pack',
      `is "${declaredPack}" but the file is in pack "${options.pack}"`,
      file,
    );
  }
  const pack = declaredPack ?? options.pack ?? (options.forTest ? 'unknown' : 'default');

  let enabled = false; // st2's RuleAPI default
  if (doc.enabled !== undefined && doc.enabled !== null) {
    if (typeof doc.enabled !== 'boolean')
      throw new RuleValidationError('enabled', `must be true or false, got ${describe(doc.enabled)}`, file);
    enabled = doc.enabled;
  }
  if (options.forTest) enabled = true;

  const trigger = doc.trigger;
  if (!isPlainObject(trigger))
    throw new RuleValidationError(
      'trigger',
      `is required: a mapping with "type" (a trigger type ref), got ${describe(trigger)}`,
      file,
    );
  if (typeof trigger.type !== 'string' || trigger.type === '') {
    throw new RuleValidationError(
      'trigger.type',
      `is required: a trigger type ref such as core.st2.webhook, got ${describe(trigger.type)}`,
      file,
    );
  }
  if (trigger.parameters !== undefined && trigger.parameters !== null && !isPlainObject(trigger.parameters)) {
    throw new RuleValidationError(
      'trigger.parameters',
      `must be a mapping, got ${describe(trigger.parameters)}`,
      file,
    );
  }

  const criteria = validateCriteria(doc.criteria, 'criteria', file);

  let action = doc.action;
  if ((action === undefined || action === null) && options.forTest) action = { ref: '' };
  if (!isPlainObject(action))
    throw new RuleValidationError(
      'action',
      `is required: a mapping with "ref" (an action ref), got ${describe(action)}`,
      file,
    );
  if (typeof action.ref !== 'string' || (action.ref === '' && !options.forTest)) {
    throw new RuleValidationError(
      'action.ref',
      `is required: an action ref such as core.local, got ${describe(action.ref)}`,
      file,
    );
  }
  if (action.parameters !== undefined && action.parameters !== null && !isPlainObject(action.parameters)) {
    throw new RuleValidationError(
      'action.parameters',
      `must be a mapping, got ${describe(action.parameters)}`,
      file,
    );
  }

  let type: RuleDefinition['type'];
  if (doc.type !== undefined && doc.type !== null) {
    const t = doc.type;
    if (!isPlainObject(t) || (t.ref !== 'standard' && t.ref !== 'backstop')) {
      throw new RuleValidationError(
        'type',
        `must be {ref: standard} or {ref: backstop}, got ${describe(t)}`,
        file,
      );
    }
    type = { ref: t.ref };
    if (isPlainObject(t.parameters)) type.parameters = t.parameters;
  }

  const rule: RuleDefinition = {
    ref: `${pack}.${name}`,
    name,
    pack,
    enabled,
    trigger: {
      type: trigger.type,
      ...(isPlainObject(trigger.parameters) ? { parameters: trigger.parameters } : {}),
    },
    criteria,
    action: {
      ref: action.ref,
      ...(isPlainObject(action.parameters) ? { parameters: action.parameters } : {}),
    },
    metadata_file: file ?? '',
  };
  const description = optionalString(doc, 'description', file);
  if (description !== undefined) rule.description = description;
  if (type) rule.type = type;
  const runAs = optionalString(doc, 'run_as', file);
  if (runAs !== undefined) rule.run_as = runAs;
  return rule;
}
