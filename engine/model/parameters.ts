/** One parameter of an action or runner, as StackStorm's JSON-Schema-ish metadata describes it. */
export interface ParameterSpec {
  type?: string | string[];
  description?: string;
  required?: boolean;
  default?: unknown;
  immutable?: boolean;
  secret?: boolean;
  position?: number;
  enum?: unknown[];
  items?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export type ParameterSchema = Record<string, ParameterSpec>;
