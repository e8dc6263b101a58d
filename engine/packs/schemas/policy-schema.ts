/** st2's PolicyAPI (st2common/models/api/policy.py). */
export const policySchema = {
  type: 'object',
  'x-expected': 'a policy mapping',
  properties: {
    id: { type: 'string' },
    ref: { type: 'string' },
    uid: { type: 'string' },
    name: { type: 'string', minLength: 1 },
    pack: { type: 'string' },
    description: { type: 'string' },
    enabled: { type: 'boolean' },
    resource_ref: { type: 'string', minLength: 1 },
    policy_type: { type: 'string', minLength: 1 },
    parameters: { type: 'object' },
    metadata_file: { type: 'string' },
  },
  required: ['name', 'resource_ref', 'policy_type'],
  additionalProperties: false,
} as const;

/**
 * Parameters of the policy types st2 ships (st2actions/policies/*.yaml). Extra parameters are
 * rejected, as st2 validates them with additionalProperties false.
 */
export const POLICY_TYPE_PARAMETERS: Record<string, Record<string, unknown>> = {
  'action.concurrency': {
    type: 'object',
    properties: {
      threshold: { type: 'integer', minimum: 0 },
      action: { enum: ['delay', 'cancel'] },
    },
    required: ['threshold'],
    additionalProperties: false,
  },
  'action.concurrency.attr': {
    type: 'object',
    properties: {
      threshold: { type: 'integer', minimum: 0 },
      action: { enum: ['delay', 'cancel'] },
      attributes: { type: 'array', items: { type: 'string' } },
    },
    required: ['threshold'],
    additionalProperties: false,
  },
  'action.retry': {
    type: 'object',
    properties: {
      retry_on: { enum: ['failure', 'timeout'] },
      max_retry_count: { type: 'integer', minimum: 0 },
      delay: { type: 'number', minimum: 0 },
    },
    required: ['retry_on'],
    additionalProperties: false,
  },
};
