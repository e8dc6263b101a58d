export const INQUIRY_STATUSES = ['pending', 'succeeded', 'timeout', 'canceled'] as const;
export type InquiryStatus = (typeof INQUIRY_STATUSES)[number];

/** An approval/question created by the `inquirer` runner (core.ask). */
export interface InquiryRecord {
  id: string; // same as the inquirer execution id
  execution_id: string;
  parent_execution_id?: string;
  status: InquiryStatus;
  schema: Record<string, unknown>;
  route?: string;
  users: string[];
  roles: string[];
  ttl_minutes: number;
  /** Squall extension: the requester may not answer. */
  exclude_requester?: boolean;
  requester?: string;
  response?: Record<string, unknown>;
  responded_by?: string;
  created_at: string;
  expires_at?: string;
}
