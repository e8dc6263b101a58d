/**
 * Every configuration key, in one table: the README's configuration table, env mapping, secret masking and
 * validation all come from here. A key `a.b_c` is set in squall.yaml as `a: {b_c: ...}` and by env `SQUALL_A_B_C`;
 * secrets also from `SQUALL_A_B_C_FILE` (a file holding the value).
 */
export type ConfigValueType = 'string' | 'integer' | 'boolean' | 'string-list' | 'object';

export interface ConfigKey {
  key: string;
  type: ConfigValueType;
  /** Default value; functions are computed from already-resolved keys (e.g. paths under data_dir). */
  default: unknown | ((resolved: Record<string, unknown>) => unknown);
  /** Shown in docs when the default is computed. */
  defaultText?: string;
  secret?: boolean;
  /** Other env names accepted (platform conventions such as SLACK_BOT_TOKEN). */
  envAliases?: string[];
  description: string;
  /** Extra validation: returns an error message or undefined. */
  check?: (value: unknown) => string | undefined;
  min?: number;
  max?: number;
  /** An empty env value means "" (e.g. SQUALL_AUDIT_PATH= turns the audit log off); other keys ignore it. */
  emptyEnv?: boolean;
}

const port = (v: unknown) =>
  typeof v === 'number' && v >= 0 && v <= 65535 ? undefined : 'expected a port number between 0 and 65535';

export const CONFIG_KEYS: ConfigKey[] = [
  {
    key: 'data_dir',
    type: 'string',
    default: './.squall',
    description: 'Data dir: SQLite file, key file, packs, configs, audit log.',
  },
  {
    key: 'log.level',
    type: 'string',
    default: 'info',
    description: 'pino log level (trace, debug, info, warn, error, fatal, silent).',
    check: (v) =>
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(String(v))
        ? undefined
        : 'expected one of trace, debug, info, warn, error, fatal, silent',
  },
  {
    key: 'log.file',
    type: 'string',
    default: '',
    defaultText: 'stderr; <data_dir>/squall.log while the console chat is on',
    description:
      'Where `squall start` writes its JSON log lines: a file path, or "-" for stderr. Unset: stderr, except while the console chat has the terminal.',
  },
  { key: 'http.host', type: 'string', default: '127.0.0.1', description: 'Address the HTTP API binds to.' },
  {
    key: 'http.port',
    type: 'integer',
    default: 9101,
    envAliases: ['SQUALL_PORT'],
    description: 'HTTP API port.',
    check: port,
  },
  {
    key: 'http.body_limit_bytes',
    type: 'integer',
    default: 1048576,
    min: 1024,
    description: 'Largest accepted request body (webhooks get 413 above it).',
  },
  {
    key: 'http.public_url',
    type: 'string',
    default: (r: Record<string, unknown>) => `http://${r['http.host']}:${r['http.port']}`,
    defaultText: 'http://<http.host>:<http.port>',
    description: 'Base URL used in links (execution web_url, st2 api_url).',
  },
  {
    key: 'packs.paths',
    type: 'string-list',
    default: [],
    envAliases: ['SQUALL_PACKS_PATH'],
    description: 'Extra user pack folders (colon-separated in env), after <data_dir>/packs.',
  },
  {
    key: 'packs.builtin_dir',
    type: 'string',
    default: '',
    defaultText: "the repo's packs/",
    description: 'Folder of the built-in packs.',
  },
  {
    key: 'packs.config_dir',
    type: 'string',
    default: (r: Record<string, unknown>) => `${r.data_dir}/configs`,
    defaultText: '<data_dir>/configs',
    description: 'Folder of pack configs (<pack>.yaml).',
  },
  {
    key: 'executions.output_cap_bytes',
    type: 'integer',
    default: 4194304,
    min: 1024,
    description: 'Bytes of stdout and of stderr kept per execution; the cap is noted in the result.',
  },
  {
    key: 'executions.max_parallel',
    type: 'integer',
    default: 32,
    min: 1,
    description: 'Executions running at once (global cap).',
  },
  {
    key: 'executions.drain_seconds',
    type: 'integer',
    default: 30,
    min: 0,
    description: 'Grace period for running executions on SIGTERM before they are marked abandoned.',
  },
  {
    key: 'audit.path',
    type: 'string',
    default: (r: Record<string, unknown>) => `${r.data_dir}/audit.log`,
    defaultText: '<data_dir>/audit.log',
    description: 'Append-only JSON-lines audit log ("" disables it, also as an empty env value).',
    emptyEnv: true,
  },
  {
    key: 'audit.max_bytes',
    type: 'integer',
    default: 52428800,
    min: 1024,
    description: 'Audit log size before it rotates.',
  },
  { key: 'audit.keep', type: 'integer', default: 5, min: 1, description: 'Rotated audit logs kept.' },
  {
    key: 'retention.executions_days',
    type: 'integer',
    default: 30,
    min: 1,
    description: 'Executions older than this are removed by gc.',
  },
  {
    key: 'retention.trigger_instances_days',
    type: 'integer',
    default: 7,
    min: 1,
    description: 'Trigger instances and rule enforcements older than this are removed by gc.',
  },
  {
    key: 'retention.output_days',
    type: 'integer',
    default: 7,
    min: 1,
    description: 'Live output chunks older than this are removed by gc.',
  },
  {
    key: 'crypto.key_path',
    type: 'string',
    default: (r: Record<string, unknown>) => `${r.data_dir}/squall.key`,
    defaultText: '<data_dir>/squall.key',
    description: 'AES-256-GCM key file for secrets (created 0600 on first start).',
  },
  {
    key: 'datastore.url',
    type: 'string',
    default: '',
    secret: true,
    description: 'Datastore backend: empty for the embedded SQLite file, or redis://host:port.',
  },
  {
    key: 'runners.http.allow_hosts',
    type: 'string-list',
    default: [],
    description: 'Hosts the http-request runner may reach although they are private, loopback or link-local.',
  },
  {
    key: 'ssh.known_hosts',
    type: 'string',
    default: '',
    defaultText: '~/.ssh/known_hosts',
    description: "OpenSSH known_hosts file remote hosts' keys are checked against.",
  },
  {
    key: 'ssh.strict_host_key_checking',
    type: 'boolean',
    default: true,
    description: 'Refuse hosts whose key is unknown or changed (turn off only knowingly).',
  },
  {
    key: 'ssh.user',
    type: 'string',
    default: '',
    defaultText: 'the user Squall runs as',
    description: 'SSH login when an action gives no username.',
  },
  {
    key: 'ssh.key_file',
    type: 'string',
    default: '',
    description: 'Private key file when an action gives neither password nor private_key.',
  },
  {
    key: 'ssh.port',
    type: 'integer',
    default: 22,
    check: port,
    description: 'SSH port when neither hosts nor port name one.',
  },
  {
    key: 'ssh.connect_timeout',
    type: 'integer',
    default: 10,
    min: 1,
    description: 'Seconds for handshake and authentication per host.',
  },
  {
    key: 'ssh.max_parallel',
    type: 'integer',
    default: 10,
    min: 1,
    description: 'Hosts run at once when an action runs in parallel.',
  },
  {
    key: 'sensors.heartbeat_seconds',
    type: 'integer',
    default: 2,
    min: 1,
    description: 'How often each sensor process reports it is alive.',
  },
  {
    key: 'sensors.heartbeat_timeout_seconds',
    type: 'integer',
    default: 15,
    min: 1,
    description: 'A sensor silent this long (a busy loop, a hang) is killed and restarted.',
  },
  {
    key: 'sensors.setup_timeout_seconds',
    type: 'integer',
    default: 30,
    min: 1,
    description: 'Longest a sensor setup() may take.',
  },
  {
    key: 'sensors.poll_timeout_seconds',
    type: 'integer',
    default: 0,
    defaultText: 'max(60, 3 × poll_interval)',
    description: 'Longest one poll() may take (0: the default rule).',
  },
  {
    key: 'sensors.cleanup_timeout_seconds',
    type: 'integer',
    default: 5,
    min: 1,
    description: 'Longest a sensor cleanup() may take on stop.',
  },
  {
    key: 'sensors.backoff_initial_seconds',
    type: 'integer',
    default: 1,
    min: 1,
    description: 'First restart delay of a failed sensor (doubles each time).',
  },
  {
    key: 'sensors.backoff_max_seconds',
    type: 'integer',
    default: 300,
    min: 1,
    description: 'Longest restart delay of a failing sensor.',
  },
  {
    key: 'sensors.max_restarts',
    type: 'integer',
    default: 0,
    min: 0,
    description: 'Restarts before a sensor is marked failed (0: never give up).',
  },
  {
    key: 'chat.prefix',
    type: 'string',
    default: '!',
    description: 'Command prefix in channels (not needed in DMs and slash commands).',
  },
  {
    key: 'chat.default_role',
    type: 'string',
    default: '',
    description: 'Role given to chat users with no mapping (empty: they are refused).',
  },
  {
    key: 'chat.rate_limit_per_minute',
    type: 'integer',
    default: 30,
    min: 1,
    description: 'Chat commands one user may send per minute.',
  },
  {
    key: 'chat.identities',
    type: 'object',
    default: {},
    description:
      'Chat identity → Squall user, e.g. {"slack:T1:U2": "alice", "discord:G1:U9": "bob", "console:local": "admin"}.',
  },
  {
    key: 'chat.role_mappings',
    type: 'object',
    default: {},
    description:
      'Chat identities or platform roles → Squall roles, e.g. {"slack:T1:*": ["operator"], "discord:G1:role:123": ["admin"]}.',
  },
  {
    key: 'chat.pack_permissions',
    type: 'object',
    default: {},
    description:
      'Per-pack chat allow lists: {"<pack>": {"users": [...], "roles": [...], "channels": [...]}}.',
  },
  {
    key: 'chat.approvals_channel',
    type: 'string',
    default: '',
    description: 'Channel for approval prompts of inquiries with no chat origin and no route.',
  },
  {
    key: 'chat.default_adapter',
    type: 'string',
    default: '',
    defaultText: 'the first configured platform',
    description: 'Adapter that delivers announcements to channels no adapter has claimed.',
  },
  {
    key: 'console.enabled',
    type: 'string',
    default: 'auto',
    description: 'Console chat: auto (when stdin is a TTY), true or false.',
  },
  {
    key: 'users',
    type: 'object',
    default: {},
    description: 'Users and their roles, e.g. {"alice": {"roles": ["operator"]}}.',
  },
  {
    key: 'roles',
    type: 'object',
    default: {},
    description: 'Extra roles with allow lists, e.g. {"web": {"grants": ["run"], "packs": ["nginx"]}}.',
  },
  {
    key: 'webhooks',
    type: 'object',
    default: {},
    description:
      'Per-hook settings: {"<url>": {"public": bool, "hmac_secret": "...", "idempotency_path": "body.id"}}; secrets by env SQUALL_WEBHOOKS_<URL>_HMAC_SECRET.',
  },
  {
    key: 'slack.bot_token',
    type: 'string',
    default: '',
    secret: true,
    envAliases: ['SLACK_BOT_TOKEN'],
    description: 'Slack bot token (xoxb-...); enables the Slack adapter.',
  },
  {
    key: 'slack.app_token',
    type: 'string',
    default: '',
    secret: true,
    envAliases: ['SLACK_APP_TOKEN'],
    description: 'Slack app token (xapp-...) for Socket Mode (the default when present).',
  },
  {
    key: 'slack.signing_secret',
    type: 'string',
    default: '',
    secret: true,
    envAliases: ['SLACK_SIGNING_SECRET'],
    description: 'Slack signing secret for HTTP mode (/slack/events).',
  },
  {
    key: 'slack.api_url',
    type: 'string',
    default: '',
    envAliases: ['SLACK_API_URL'],
    description: 'Slack Web API base URL (GovSlack, tests).',
  },
  { key: 'slack.command', type: 'string', default: '/squall', description: 'Slash command name.' },
  {
    key: 'discord.token',
    type: 'string',
    default: '',
    secret: true,
    envAliases: ['DISCORD_TOKEN'],
    description: 'Discord bot token; enables the Discord adapter.',
  },
  {
    key: 'discord.application_id',
    type: 'string',
    default: '',
    envAliases: ['DISCORD_APPLICATION_ID'],
    description: 'Discord application id.',
  },
  {
    key: 'discord.public_key',
    type: 'string',
    default: '',
    envAliases: ['DISCORD_PUBLIC_KEY'],
    description: 'Discord public key; enables HTTP interactions at /discord/interactions.',
  },
  {
    key: 'discord.api_url',
    type: 'string',
    default: '',
    envAliases: ['DISCORD_API_URL'],
    description: 'Discord REST base URL (tests).',
  },
];

export function envNameOf(key: string): string {
  return `SQUALL_${key.replace(/\./g, '_').toUpperCase()}`;
}
