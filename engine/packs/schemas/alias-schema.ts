const stringList = { type: 'array', items: { type: 'string' } } as const;

/** st2's ActionAliasAPI (st2common/models/api/action.py), plus Squall's `permissions`. */
export const aliasSchema = {
  type: 'object',
  'x-expected': 'an action alias mapping',
  properties: {
    id: { type: 'string' },
    ref: { type: 'string' },
    uid: { type: 'string' },
    name: { type: 'string', minLength: 1 },
    pack: { type: 'string' },
    description: { type: 'string' },
    enabled: { type: 'boolean' },
    action_ref: { type: 'string', minLength: 1 },
    formats: {
      type: 'array',
      items: {
        'x-expected': 'a format string or a mapping {display, representation, match_multiple}',
        anyOf: [
          { type: 'string' },
          {
            type: 'object',
            properties: {
              display: { type: ['string', 'null'] },
              representation: { anyOf: [{ type: 'string' }, stringList] },
              match_multiple: { type: 'boolean' },
            },
            additionalProperties: false,
          },
        ],
      },
    },
    ack: {
      type: 'object',
      properties: {
        enabled: { type: 'boolean' },
        format: { type: 'string' },
        extra: { type: 'object' },
        append_url: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    result: {
      type: 'object',
      properties: {
        enabled: { type: 'boolean' },
        format: { type: 'string' },
        extra: { type: 'object' },
      },
      additionalProperties: false,
    },
    extra: { type: 'object' },
    immutable_parameters: { type: 'object' },
    metadata_file: { type: 'string' },
    permissions: {
      type: 'object',
      properties: { users: stringList, roles: stringList, channels: stringList },
      additionalProperties: false,
    },
  },
  required: ['name', 'action_ref', 'formats'],
  additionalProperties: false,
} as const;
