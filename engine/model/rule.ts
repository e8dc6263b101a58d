import type { TriggerSpec } from './trigger.ts';

export interface CriterionSpec {
  type: string;
  pattern?: unknown;
  /** For the `search` operator: any | all | all2any | any2any. */
  condition?: string;
  [key: string]: unknown;
}

/** A rule as registered from `<pack>/rules/<name>.yaml`. */
export interface RuleDefinition {
  ref: string;
  name: string;
  pack: string;
  description?: string;
  enabled: boolean;
  type?: { ref: 'standard' | 'backstop'; parameters?: Record<string, unknown> };
  trigger: TriggerSpec;
  criteria: Record<string, CriterionSpec>;
  action: { ref: string; parameters?: Record<string, unknown> };
  /** Squall extension: the user the action runs as (default `system`). */
  run_as?: string;
  metadata_file: string;
}

export type RuleEnforcementStatus = 'succeeded' | 'failed';

export interface RuleEnforcement {
  id: string;
  rule: { ref: string };
  trigger_instance_id: string;
  execution_id?: string;
  failure_reason?: string;
  status: RuleEnforcementStatus;
  enforced_at: string;
}
