import type { ParameterSchema } from './parameters.ts';

/** st2's notify block: on-complete/on-success/on-failure, each with message, data and routes. */
export interface NotifySubSpec {
  message?: string;
  data?: Record<string, unknown>;
  routes?: string[];
  channels?: string[];
}
export interface NotifySpec {
  on_complete?: NotifySubSpec;
  on_success?: NotifySubSpec;
  on_failure?: NotifySubSpec;
}

/** An action as registered from `<pack>/actions/<name>.yaml`. */
export interface ActionDefinition {
  ref: string; // pack.name
  name: string;
  pack: string;
  description?: string;
  enabled: boolean;
  runner_type: string;
  entry_point?: string;
  /** Absolute path of entry_point (actions/ folder of the pack), when there is one. */
  entry_point_path?: string;
  parameters: ParameterSchema;
  output_schema?: Record<string, unknown>;
  notify?: NotifySpec;
  tags?: unknown[];
  /** Squall extension: safe to run again after a crash. */
  idempotent?: boolean;
  /** Absolute path of the metadata file this came from. */
  metadata_file: string;
  /** Absolute path of the pack's root folder. */
  pack_path: string;
  /** Load-time problems that make it fail when run (e.g. workflow inspection errors). */
  load_errors?: string[];
}
