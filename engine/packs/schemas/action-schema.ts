import { parameterMapSchema } from './parameter-schema.ts';

/** st2's NotificationSubSchemaAPI: one of on-complete / on-success / on-failure. */
const notifySubSchema = {
  type: 'object',
  properties: {
    message: { type: 'string' },
    data: { type: 'object' },
    routes: { type: 'array', items: { type: 'string' } },
    channels: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
} as const;

/** st2's ActionAPI (st2common/models/api/action.py), plus Squall's `idempotent`. */
export const actionSchema = {
  type: 'object',
  'x-expected': 'an action metadata mapping',
  properties: {
    id: { type: 'string' },
    ref: { type: 'string' },
    uid: { type: 'string' },
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    enabled: { type: 'boolean' },
    runner_type: { type: 'string', minLength: 1 },
    entry_point: { type: 'string' },
    pack: { type: 'string' },
    parameters: parameterMapSchema,
    output_schema: { type: 'object' },
    tags: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, value: {} },
        required: ['name'],
      },
    },
    notify: {
      type: 'object',
      // st2 writes on-complete; the underscore spelling is accepted too (Squall's model uses it).
      properties: {
        'on-complete': notifySubSchema,
        'on-success': notifySubSchema,
        'on-failure': notifySubSchema,
        on_complete: notifySubSchema,
        on_success: notifySubSchema,
        on_failure: notifySubSchema,
      },
      additionalProperties: false,
    },
    metadata_file: { type: 'string' },
    idempotent: { type: 'boolean' },
  },
  required: ['name', 'runner_type'],
  additionalProperties: false,
} as const;
