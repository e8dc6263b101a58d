/** The effective configuration the engine needs (loaded and validated by config/load-config.ts). */
export interface EngineConfig {
  /** Absolute path of the data dir (SQLite file, key file, packs, configs, audit log). */
  dataDir: string;
  packs: {
    /** Built-in packs shipped with Squall (repo `packs/`). */
    builtinDir: string;
    /** User pack folders searched in order (`<dataDir>/packs` first, then SQUALL_PACKS_PATH). */
    paths: string[];
    /** Where `<pack>.yaml` pack configs live (default `<dataDir>/configs`). */
    configDir: string;
  };
  executions: {
    /** Per stream (stdout, stderr) bytes kept in a result; the cap is noted in the result. */
    outputCapBytes: number;
    /** Global cap on executions running at once. */
    maxParallel: number;
    /** SIGTERM drain grace period. */
    drainSeconds: number;
  };
  audit: {
    /** Append-only JSON-lines audit log; empty string disables it. */
    path: string;
    maxBytes: number;
    keep: number;
  };
  retention: {
    executionsDays: number;
    triggerInstancesDays: number;
    outputDays: number;
  };
  crypto: {
    /** AES-256-GCM key file, created 0600 on first start. */
    keyPath: string;
  };
  datastore: {
    /** Empty: the embedded SQLite store; `redis://...`: @keyv/redis. */
    url: string;
  };
  runners: {
    http: {
      /** Hosts or CIDRs the http-request runner may reach although they are private/link-local/loopback. */
      allowHosts: string[];
    };
  };
  ssh: {
    knownHostsPath: string;
    strictHostKeyChecking: boolean;
    user: string;
    keyFile: string;
    port: number;
    connectTimeoutSeconds: number;
    maxParallel: number;
  };
  sensors: {
    heartbeatSeconds: number;
    heartbeatTimeoutSeconds: number;
    setupTimeoutSeconds: number;
    /** Undefined: max(60, 3 × poll_interval). */
    pollTimeoutSeconds?: number;
    cleanupTimeoutSeconds: number;
    backoffInitialSeconds: number;
    backoffMaxSeconds: number;
    maxRestarts: number;
  };
  rbac: RbacConfig;
  webhooks: Record<string, WebhookConfig>;
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** Base URL shown in links (execution web_url, st2 api_url). */
    publicUrl: string;
  };
}

export interface RoleConfig {
  /** Packs this role may run actions of (`*` for all). */
  packs?: string[];
  /** Action refs this role may run (`pack.*` patterns allowed). */
  actions?: string[];
  /** Built-in permission sets: admin (everything), operator (run, answer inquiries), viewer (read). */
  grants?: Array<'run' | 'respond' | 'read' | 'admin'>;
}

export interface UserConfig {
  roles: string[];
}

export interface RbacConfig {
  users: Record<string, UserConfig>;
  roles: Record<string, RoleConfig>;
}

export interface WebhookConfig {
  /** Accept without API key or signature. */
  public?: boolean;
  /** HMAC secret for X-Squall-Signature (secret). */
  hmac_secret?: string;
  /** Dotted body path whose value is the idempotency key (besides the Idempotency-Key header). */
  idempotency_path?: string;
}
