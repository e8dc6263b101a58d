/**
 * st2's action parameter meta-schema (st2common/util/schema/action_params.json): draft-04 keywords plus
 * `required` (boolean), `secret`, `immutable`, `position`, and the `raw_string` type. Unknown attributes are
 * rejected like st2 does (a typo such as `requried` is an error, not a silently ignored key).
 * Also used for config.schema.yaml entries (st2's ConfigSchemaAPI uses the same meta-schema).
 */
export const PARAMETER_SPEC_SCHEMA_ID = 'squall:parameter-spec';

export const PARAMETER_TYPES = [
  'array',
  'boolean',
  'integer',
  'null',
  'number',
  'object',
  'string',
  'raw_string',
];

const nonNegativeInt = { type: 'integer', minimum: 0 };
const schemaArray = { type: 'array', minItems: 1, items: { $ref: '#' } };

export const parameterSpecSchema = {
  $id: PARAMETER_SPEC_SCHEMA_ID,
  type: 'object',
  'x-expected': 'a parameter spec (mapping with type, description, required, default, ...)',
  properties: {
    id: { type: 'string' },
    $schema: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    default: {},
    multipleOf: { type: 'number', exclusiveMinimum: 0 },
    maximum: { type: 'number' },
    exclusiveMaximum: { type: ['boolean', 'number'] },
    minimum: { type: 'number' },
    exclusiveMinimum: { type: ['boolean', 'number'] },
    maxLength: nonNegativeInt,
    minLength: nonNegativeInt,
    pattern: { type: 'string' },
    format: { type: 'string' },
    additionalItems: { anyOf: [{ type: 'boolean' }, { $ref: '#' }] },
    items: {
      anyOf: [{ $ref: '#' }, schemaArray],
      'x-expected': 'a parameter spec or a list of them',
    },
    maxItems: nonNegativeInt,
    minItems: nonNegativeInt,
    uniqueItems: { type: 'boolean' },
    maxProperties: nonNegativeInt,
    minProperties: nonNegativeInt,
    required: { type: 'boolean' },
    secret: { type: 'boolean' },
    additionalProperties: {
      anyOf: [{ type: 'boolean' }, { $ref: '#' }],
      'x-expected': 'a boolean or a parameter spec',
    },
    definitions: { type: 'object', additionalProperties: { $ref: '#' } },
    properties: { type: 'object', additionalProperties: { $ref: '#' } },
    patternProperties: { type: 'object', additionalProperties: { $ref: '#' } },
    dependencies: {
      type: 'object',
      additionalProperties: {
        anyOf: [{ $ref: '#' }, { type: 'array', items: { type: 'string' } }],
        'x-expected': 'a parameter spec or a list of names',
      },
    },
    enum: { type: 'array', minItems: 1 },
    type: {
      anyOf: [{ enum: PARAMETER_TYPES }, { type: 'array', items: { enum: PARAMETER_TYPES }, minItems: 1 }],
      'x-expected': `one of ${PARAMETER_TYPES.join(', ')} (or a list of them)`,
    },
    position: { type: 'number', minimum: 0 },
    immutable: { type: 'boolean' },
    allOf: schemaArray,
    anyOf: schemaArray,
    oneOf: schemaArray,
    not: { $ref: '#' },
  },
  additionalProperties: false,
} as const;

/** A mapping `name -> parameter spec` (action parameters, config.schema.yaml). */
export const parameterMapSchema = {
  type: 'object',
  'x-expected': 'a mapping of parameter name to parameter spec',
  additionalProperties: { $ref: PARAMETER_SPEC_SCHEMA_ID },
} as const;
