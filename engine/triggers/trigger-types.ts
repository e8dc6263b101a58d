import { Ajv, type ValidateFunction } from 'ajv';
import type { TriggerType } from '../model/trigger.ts';
import { toJsonSchema } from '../packs/schemas/content-schema.ts';
import { formatErrors, type SchemaIssue } from '../packs/schemas/validate.ts';
import { timerScheduleProblem } from './timers/timer-spec.ts';

/** The system pack that owns the built-in trigger types (st2's SYSTEM_PACK_NAME). */
export const SYSTEM_TRIGGER_PACK = 'core';

export const WEBHOOK_TRIGGER = 'core.st2.webhook';
export const INTERVAL_TIMER_TRIGGER = 'core.st2.IntervalTimer';
export const DATE_TIMER_TRIGGER = 'core.st2.DateTimer';
export const CRON_TIMER_TRIGGER = 'core.st2.CronTimer';
export const TIMER_TRIGGER_TYPES = [INTERVAL_TIMER_TRIGGER, DATE_TIMER_TRIGGER, CRON_TIMER_TRIGGER] as const;
export const ACTION_TRIGGER = 'core.st2.generic.actiontrigger';
export const NOTIFY_TRIGGER = 'core.st2.generic.notifytrigger';
export const INQUIRY_TRIGGER = 'core.st2.generic.inquiry';

const anyProps = (...names: string[]) => Object.fromEntries(names.map((n) => [n, {}]));

const timerPayloadSchema = {
  type: 'object',
  properties: {
    executed_at: { type: 'string', format: 'date-time' },
    schedule: { type: ['object', 'null'] },
  },
};

/** APScheduler cron fields: an int in range or an expression string (`*\/5`, `1-5`, `mon-fri`). */
const cronField = (min?: number, max?: number) => ({
  anyOf: [
    { type: 'string', minLength: 1 },
    { type: 'integer', minimum: min, maximum: max },
  ],
});

function systemType(
  name: string,
  description: string,
  payload_schema: Record<string, unknown>,
  parameters_schema?: Record<string, unknown>,
): TriggerType {
  return {
    ref: `${SYSTEM_TRIGGER_PACK}.${name}`,
    name,
    pack: SYSTEM_TRIGGER_PACK,
    description,
    payload_schema,
    ...(parameters_schema ? { parameters_schema } : {}),
  };
}

/** st2's built-in trigger types (st2common/constants/triggers.py). */
export const BUILTIN_TRIGGER_TYPES: readonly TriggerType[] = [
  systemType(
    'st2.webhook',
    'Trigger type for registering webhooks that can consume arbitrary payload.',
    { type: 'object', properties: { headers: { type: 'object' }, body: {} } },
    {
      type: 'object',
      properties: { url: { type: 'string', minLength: 1 } },
      required: ['url'],
      additionalProperties: false,
    },
  ),
  systemType(
    'st2.IntervalTimer',
    'Triggers on specified intervals. e.g. every 30s, 1week etc.',
    timerPayloadSchema,
    {
      type: 'object',
      properties: {
        timezone: { type: 'string' },
        unit: { enum: ['weeks', 'days', 'hours', 'minutes', 'seconds'] },
        delta: { type: 'integer', minimum: 1 },
      },
      required: ['unit', 'delta'],
      additionalProperties: false,
    },
  ),
  systemType(
    'st2.DateTimer',
    'Triggers exactly once when the current time matches the specified time. e.g. timezone:UTC date:2014-12-31 23:59:59.',
    timerPayloadSchema,
    {
      type: 'object',
      properties: { timezone: { type: 'string' }, date: { type: 'string', format: 'date-time' } },
      required: ['date'],
      additionalProperties: false,
    },
  ),
  systemType(
    'st2.CronTimer',
    'Triggers whenever current time matches the specified time constaints like a UNIX cron scheduler.',
    timerPayloadSchema,
    {
      type: 'object',
      properties: {
        timezone: { type: 'string' },
        year: cronField(1970, 9999),
        month: cronField(1, 12),
        day: cronField(1, 31),
        week: cronField(1, 53),
        day_of_week: cronField(0, 6),
        hour: cronField(0, 23),
        minute: cronField(0, 59),
        second: cronField(0, 59),
      },
      additionalProperties: false,
    },
  ),
  systemType('st2.generic.actiontrigger', 'Trigger encapsulating the completion of an action execution.', {
    type: 'object',
    properties: anyProps(
      'execution_id',
      'status',
      'start_timestamp',
      'action_name',
      'action_ref',
      'runner_ref',
      'parameters',
      'result',
    ),
  }),
  systemType('st2.generic.notifytrigger', 'Notification trigger.', {
    type: 'object',
    properties: anyProps(
      'execution_id',
      'status',
      'start_timestamp',
      'end_timestamp',
      'action_ref',
      'runner_ref',
      'channel',
      'route',
      'message',
      'data',
    ),
  }),
  systemType('st2.generic.inquiry', 'Trigger indicating a new "inquiry" has entered "pending" status', {
    type: 'object',
    properties: { id: { type: 'string' }, route: { type: 'string' } },
  }),
  systemType('st2.action.file_written', 'Trigger encapsulating action file being written on disk.', {
    type: 'object',
    properties: anyProps('ref', 'file_path', 'host_info'),
  }),
  systemType('st2.sensor.process_spawn', 'Trigger indicating sensor process is started up.', {
    type: 'object',
    properties: anyProps('object'),
  }),
  systemType('st2.sensor.process_exit', 'Trigger indicating sensor process is stopped.', {
    type: 'object',
    properties: anyProps('object'),
  }),
  systemType('st2.key_value_pair.create', 'Trigger encapsulating datastore item creation.', {
    type: 'object',
    properties: anyProps('object'),
  }),
  systemType('st2.key_value_pair.update', 'Trigger encapsulating datastore set action.', {
    type: 'object',
    properties: anyProps('object'),
  }),
  systemType('st2.key_value_pair.value_change', 'Trigger encapsulating a change of datastore item value.', {
    type: 'object',
    properties: anyProps('old_object', 'new_object'),
  }),
  systemType('st2.key_value_pair.delete', 'Trigger encapsulating datastore item deletion.', {
    type: 'object',
    properties: anyProps('object'),
  }),
];

const builtinByRef = new Map(BUILTIN_TRIGGER_TYPES.map((t) => [t.ref, t]));

export function getBuiltinTriggerType(ref: string): TriggerType | undefined {
  return builtinByRef.get(ref);
}

export function isTimerTriggerType(ref: string): boolean {
  return (TIMER_TRIGGER_TYPES as readonly string[]).includes(ref);
}

// Content schemas (from packs) are loose draft-3/4 JSON schemas: no strict mode, formats not enforced
// (st2 does not enforce them either: "2014-12-31 23:59:59" is a valid DateTimer date).
let contentAjv: Ajv | undefined;
const compiledContent = new WeakMap<object, ValidateFunction | Error>();

function compileContentSchema(schema: Record<string, unknown>): ValidateFunction | Error {
  let v = compiledContent.get(schema);
  if (!v) {
    contentAjv ??= new Ajv({ allErrors: true, strict: false, validateFormats: false, verbose: true });
    try {
      v = contentAjv.compile(toJsonSchema(schema));
    } catch (err) {
      v = err as Error;
    }
    compiledContent.set(schema, v);
  }
  return v;
}

/**
 * Checks a rule's trigger parameters against the trigger type's parameters_schema (the built-in type for
 * `typeRef`, or `triggerType` when given). Timers are also checked for a schedule that can run
 * (known timezone, parseable date, valid cron fields). Returns [] when fine or when there is no schema.
 */
export function validateTriggerParameters(
  typeRef: string,
  params: Record<string, unknown> | undefined | null,
  triggerType?: TriggerType,
): SchemaIssue[] {
  const type = triggerType ?? getBuiltinTriggerType(typeRef);
  const schema = type?.parameters_schema;
  const value = params ?? {};
  if (!schema || Object.keys(schema).length === 0) return [];
  const validate = compileContentSchema(schema);
  if (validate instanceof Error) {
    return [
      { path: '', message: `trigger type ${typeRef} has an invalid parameters_schema: ${validate.message}` },
    ];
  }
  if (!validate(value)) return formatErrors(validate.errors ?? []);
  if (isTimerTriggerType(typeRef)) {
    const problem = timerScheduleProblem(typeRef, value);
    if (problem) return [problem];
  }
  return [];
}
