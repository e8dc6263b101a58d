/** One entry of an alias's `formats`, as written in YAML. */
export type AliasFormatSpec =
  | string
  | { display?: string | null; representation?: string | string[]; match_multiple?: boolean };

/** An action alias as registered from `<pack>/aliases/<name>.yaml`. */
export interface AliasDefinition {
  ref: string;
  name: string;
  pack: string;
  description?: string;
  enabled: boolean;
  action_ref: string;
  formats: AliasFormatSpec[];
  ack?: { enabled?: boolean; format?: string; append_url?: boolean; extra?: Record<string, unknown> };
  result?: { enabled?: boolean; format?: string; extra?: Record<string, unknown> };
  extra?: Record<string, unknown>;
  immutable_parameters?: Record<string, unknown>;
  /** Squall extension: who may use it (users, roles, channels). */
  permissions?: { users?: string[]; roles?: string[]; channels?: string[] };
  /** True when the pack is one of the built-in packs shipped in the repo. */
  builtin: boolean;
  metadata_file: string;
}
