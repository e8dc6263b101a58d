import { PARAMETER_SPEC_SCHEMA_ID } from './parameter-schema.ts';

/** config.schema.yaml: a mapping of config key -> property spec (st2's ConfigSchemaAPI attributes). */
export const configSchemaSchema = {
  type: 'object',
  'x-expected': 'a mapping of config key to property spec',
  additionalProperties: { $ref: PARAMETER_SPEC_SCHEMA_ID },
} as const;
