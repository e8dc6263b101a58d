/** st2's TriggerTypeAPI (st2common/models/api/trigger.py): triggers/*.yaml and sensors' trigger_types items. */
export const triggerTypeSchema = {
  type: 'object',
  'x-expected': 'a trigger type mapping {name, description, payload_schema, parameters_schema}',
  properties: {
    id: { type: 'string' },
    ref: { type: 'string' },
    uid: { type: 'string' },
    name: { type: 'string', minLength: 1 },
    pack: { type: 'string' },
    description: { type: 'string' },
    payload_schema: { type: 'object' },
    parameters_schema: { type: 'object' },
    tags: { type: 'array', items: { type: 'object' } },
    metadata_file: { type: 'string' },
  },
  required: ['name'],
  additionalProperties: false,
} as const;
