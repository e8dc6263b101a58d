/** What the bot needs from configuration (`chat.*` keys; `squall start` builds it from the loaded config). */
export interface AllowList {
  /** Squall users (or chat identity keys such as `slack:T1:U2`). */
  users?: string[];
  roles?: string[];
  /** Channel ids or names (`C0123`, `#ops`, `ops`). */
  channels?: string[];
}

export interface BotConfig {
  /** Command prefix in channels (`!`); not needed in DMs, mentions and slash commands. */
  prefix: string;
  /** Role given to chat users with no identity mapping; empty: they are refused. */
  defaultRole: string;
  /**
   * Chat identity → Squall user, exact keys only: `<adapter>:<workspace>:<userId>` (Slack team, Discord guild)
   * or `<adapter>:<userId>` where the platform has no workspace (console, Discord DMs). `console:local` is the
   * local admin unless mapped here.
   */
  identities: Record<string, string>;
  /** Commands one chat identity may send per minute (excess refused). */
  rateLimitPerMinute: number;
  /**
   * Extra roles by identity pattern: an exact identity key, a workspace wildcard (`slack:T123:*`,
   * `discord:G1:*`), or a platform role (`discord:G1:role:<roleId>`). Wildcards grant roles, never a shared
   * user: an unmapped user they match acts as its own identity key (`slack:T123:U456`) with these roles.
   */
  roleMappings?: Record<string, string[]>;
  /** Allow lists per pack (in addition to each alias's `permissions`). */
  packPermissions?: Record<string, AllowList>;
  /** Announcement routes the bot delivers (default `['chatops']`). */
  routes?: string[];
  /** Adapter for announcements whose channel no adapter has claimed (default: the first adapter). */
  defaultAdapter?: string;
  /** Channel for approval prompts of inquiries with no chat origin and no route (none: they are not posted). */
  approvalsChannel?: string;
}

export const DEFAULT_BOT_CONFIG: BotConfig = {
  prefix: '!',
  defaultRole: '',
  identities: {},
  rateLimitPerMinute: 30,
};

/** BotConfig from the flat config values (`chat.prefix`, `chat.default_role`, ...). */
export function botConfigFromValues(values: Record<string, unknown>): BotConfig {
  const str = (k: string, d: string) => (typeof values[k] === 'string' ? (values[k] as string) : d);
  const obj = <T>(k: string): T | undefined =>
    values[k] && typeof values[k] === 'object' && !Array.isArray(values[k]) ? (values[k] as T) : undefined;
  return {
    prefix: str('chat.prefix', '!'),
    defaultRole: str('chat.default_role', ''),
    identities: obj<Record<string, string>>('chat.identities') ?? {},
    rateLimitPerMinute:
      typeof values['chat.rate_limit_per_minute'] === 'number' ? values['chat.rate_limit_per_minute'] : 30,
    roleMappings: obj<Record<string, string[]>>('chat.role_mappings'),
    packPermissions: obj<Record<string, AllowList>>('chat.pack_permissions'),
    approvalsChannel: str('chat.approvals_channel', '') || undefined,
    defaultAdapter: str('chat.default_adapter', '') || undefined,
  };
}
