/** An st2 policy from `<pack>/policies/<name>.yaml`. */
export interface PolicyDefinition {
  ref: string;
  name: string;
  pack: string;
  description?: string;
  enabled: boolean;
  resource_ref: string; // action ref
  policy_type: 'action.concurrency' | 'action.concurrency.attr' | 'action.retry' | string;
  parameters: Record<string, unknown>;
  metadata_file: string;
}
