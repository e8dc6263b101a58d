/** A trigger type (`core.st2.webhook`, `<pack>.<name>` from triggers/ or sensors/). */
export interface TriggerType {
  ref: string;
  name: string;
  pack: string;
  description?: string;
  parameters_schema?: Record<string, unknown>;
  payload_schema?: Record<string, unknown>;
}

/** The concrete trigger a rule listens to: type + parameters (e.g. webhook url). */
export interface TriggerSpec {
  type: string;
  parameters?: Record<string, unknown>;
}

export const TRIGGER_INSTANCE_STATUSES = ['pending', 'processing', 'processed', 'processing_failed'] as const;
export type TriggerInstanceStatus = (typeof TRIGGER_INSTANCE_STATUSES)[number];

export interface TriggerInstance {
  id: string;
  trigger: string; // trigger type ref
  /** Trigger parameters it was fired for (e.g. {url: 'sample'}), used to pick rules. */
  trigger_parameters?: Record<string, unknown>;
  payload: Record<string, unknown>;
  occurrence_time: string; // ISO
  status: TriggerInstanceStatus;
  /** Optional dedupe key (webhook Idempotency-Key). */
  dedupe_key?: string;
}
