import { triggerTypeSchema } from './trigger-type-schema.ts';

/** st2's SensorTypeAPI (st2common/models/api/sensor.py). */
export const sensorSchema = {
  type: 'object',
  'x-expected': 'a sensor metadata mapping',
  properties: {
    id: { type: 'string' },
    ref: { type: 'string' },
    uid: { type: 'string' },
    name: { type: 'string', minLength: 1 },
    pack: { type: 'string' },
    description: { type: 'string' },
    class_name: { type: 'string', minLength: 1 },
    artifact_uri: { type: 'string' },
    entry_point: { type: 'string' },
    enabled: { type: 'boolean' },
    trigger_types: { type: 'array', items: triggerTypeSchema },
    poll_interval: { type: 'number', minimum: 0 },
    metadata_file: { type: 'string' },
  },
  required: ['class_name'],
  additionalProperties: false,
} as const;
