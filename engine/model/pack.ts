import type { ActionDefinition } from './action.ts';
import type { AliasDefinition } from './alias.ts';
import type { PolicyDefinition } from './policy.ts';
import type { RuleDefinition } from './rule.ts';
import type { SensorDefinition } from './sensor.ts';
import type { TriggerType } from './trigger.ts';

export interface PackMetadata {
  ref: string;
  name: string;
  description?: string;
  version: string;
  author?: string;
  email?: string;
  keywords?: string[];
  dependencies?: string[];
  python_versions?: string[];
  [key: string]: unknown;
}

/** A problem found while loading a pack: which file, which field, what was expected. */
export interface PackProblem {
  pack?: string;
  file: string;
  path?: string; // field path, e.g. /parameters/cmd/type
  /** 1-based line in `file` the problem points at, when known. */
  line?: number;
  message: string;
  severity: 'error' | 'warning';
}

/** Everything loaded from one pack folder. */
export interface LoadedPack {
  metadata: PackMetadata;
  path: string;
  builtin: boolean;
  actions: ActionDefinition[];
  rules: RuleDefinition[];
  aliases: AliasDefinition[];
  sensors: SensorDefinition[];
  triggerTypes: TriggerType[];
  policies: PolicyDefinition[];
  /** config.schema.yaml, when present. */
  configSchema?: Record<string, unknown>;
  problems: PackProblem[];
}
