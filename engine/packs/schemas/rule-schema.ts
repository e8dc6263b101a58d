/** st2's rule operators (st2common/operators.py), long names and short aliases, lowercase. */
export const RULE_OPERATORS = [
  'equals',
  'eq',
  'nequals',
  'neq',
  'iequals',
  'ieq',
  'contains',
  'ncontains',
  'icontains',
  'incontains',
  'startswith',
  'istartswith',
  'endswith',
  'iendswith',
  'lessthan',
  'lt',
  'greaterthan',
  'gt',
  'matchwildcard',
  'matchregex',
  'regex',
  'iregex',
  'timediff_lt',
  'td_lt',
  'timediff_gt',
  'td_gt',
  'exists',
  'nexists',
  'inside',
  'in',
  'ninside',
  'nin',
  'search',
];

/** Operators that do not look at `pattern`. */
export const PATTERNLESS_OPERATORS = ['exists', 'nexists'];

/** st2's RuleAPI (st2common/models/api/rule.py), plus Squall's `run_as`. */
export const ruleSchema = {
  type: 'object',
  'x-expected': 'a rule mapping',
  properties: {
    id: { type: 'string' },
    ref: { type: 'string' },
    uid: { type: 'string' },
    name: { type: 'string', minLength: 1 },
    pack: { type: 'string' },
    description: { type: 'string' },
    type: {
      type: 'object',
      properties: {
        ref: { enum: ['standard', 'backstop'] },
        parameters: { type: 'object' },
      },
      required: ['ref'],
      additionalProperties: false,
    },
    trigger: {
      type: 'object',
      properties: {
        type: { type: 'string', minLength: 1 },
        parameters: { type: ['object', 'null'] },
        ref: { type: 'string' },
        description: { type: 'string' },
      },
      required: ['type'],
    },
    criteria: {
      type: ['object', 'null'],
      additionalProperties: {
        type: 'object',
        'x-expected': 'a criterion mapping {type, pattern}',
        properties: {
          type: { type: 'string' },
          condition: { enum: ['any', 'all', 'all2any', 'any2any'] },
        },
        required: ['type'],
      },
    },
    action: {
      type: 'object',
      properties: {
        ref: { type: 'string', minLength: 1 },
        parameters: { type: ['object', 'null'] },
        description: { type: 'string' },
      },
      required: ['ref'],
      additionalProperties: false,
    },
    enabled: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'object' } },
    context: { type: 'object' },
    metadata_file: { type: 'string' },
    run_as: { type: 'string', minLength: 1 },
  },
  required: ['name', 'trigger', 'action'],
  additionalProperties: false,
} as const;
