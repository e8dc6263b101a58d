import type { AuditEntry } from './audit/audit-log.ts';
import type { Principal } from './auth/principal.ts';
import type { Rbac } from './auth/rbac.ts';
import type { EngineConfig } from './config/engine-config.ts';
import type { Datastore } from './datastore/index.ts';
import type { EventBus } from './events/event-bus.ts';
import type { Logger } from './log/logger.ts';
import type {
  ActionDefinition,
  AliasDefinition,
  ExecutionRecord,
  InquiryRecord,
  LoadedPack,
  OutputChunk,
  PackProblem,
  RuleDefinition,
  RuleEnforcement,
  SensorDefinition,
  TriggerInstance,
  TriggerType,
} from './model/index.ts';
import type { PackConfigService } from './pack-configs/pack-config-service.ts';
import type { PackInstaller } from './pack-install/pack-installer.ts';
import type { ExecutionRequest } from './runners/runner.ts';
import type { SensorStatus } from './sensors/sensor-host.ts';
import type { ExecutionQuery, Store } from './store/store.ts';
import type { DispatchOptions, DispatchResult } from './triggers/trigger-dispatcher.ts';

/** Raised for requests the caller may fix (bad parameters, unknown refs, not allowed); carries an HTTP status. */
export class EngineRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

export interface PackReloadResult {
  packs: string[];
  problems: PackProblem[];
}

/**
 * The one facade everything outside the engine talks to (api/, bot/, cli/). Chat and HTTP are just more event
 * sources and subscribers.
 */
export interface Engine {
  readonly config: EngineConfig;
  readonly logger: Logger;
  readonly events: EventBus;
  readonly store: Store;
  readonly rbac: Rbac;
  /** The scoped, encrypted key-value store (st2kv); every call names the acting principal. */
  readonly datastore: Datastore;

  // content
  packs(): LoadedPack[];
  packProblems(): PackProblem[];
  actions(): ActionDefinition[];
  getAction(ref: string): ActionDefinition | undefined;
  rules(): Array<RuleDefinition & { enabled: boolean }>;
  getRule(ref: string): (RuleDefinition & { enabled: boolean }) | undefined;
  setRuleEnabled(ref: string, enabled: boolean): void;
  aliases(): AliasDefinition[];
  sensors(): SensorDefinition[];
  triggerTypes(): TriggerType[];
  /** Re-reads packs from disk (all, or the named ones) and re-registers everything without a restart. */
  reloadPacks(): Promise<PackReloadResult>;
  /** `pack install|remove|show` (engine/pack-install): atomic installs into `<dataDir>/packs`, then a reload. */
  readonly packInstaller?: PackInstaller;
  /** Pack configs (engine/pack-configs): masked views, reload (`pack register --configs`), per-run resolution. */
  readonly packConfigs?: PackConfigService;
  /** Each sensor's process state (server role: the sensor host runs them; elsewhere `stopped`). */
  sensorStatus?(): SensorStatus[];

  // executions
  run(request: ExecutionRequest, principal: Principal): Promise<ExecutionRecord>;
  getExecution(id: string, options?: { showSecrets?: boolean }): ExecutionRecord | undefined;
  listExecutions(query: ExecutionQuery): ExecutionRecord[];
  countExecutions(query: ExecutionQuery): number;
  executionOutput(id: string, afterSeq?: number): OutputChunk[];
  cancelExecution(id: string, principal: Principal): Promise<ExecutionRecord>;
  pauseExecution(id: string, principal: Principal): Promise<ExecutionRecord>;
  resumeExecution(id: string, principal: Principal): Promise<ExecutionRecord>;
  reRunExecution(
    id: string,
    principal: Principal,
    options?: { parameters?: Record<string, unknown>; tasks?: string[]; resetItems?: boolean },
  ): Promise<ExecutionRecord>;
  /** Resolves with the final record once the execution is completed. */
  waitForExecution(id: string): Promise<ExecutionRecord>;

  // triggers and rules
  dispatchTrigger(
    trigger: string,
    payload: Record<string, unknown>,
    options?: DispatchOptions,
  ): DispatchResult;
  /** Resolves once everything written so far is committed (group commit): answer 2xx after it. */
  durable(): Promise<void>;
  /** Known webhook urls (from rules with core.st2.webhook and from config). */
  webhookKnown(url: string): boolean;
  listTriggerInstances(query: { trigger?: string; status?: string; limit?: number }): TriggerInstance[];
  listRuleEnforcements(query: {
    rule?: string;
    trigger_instance_id?: string;
    limit?: number;
  }): RuleEnforcement[];

  // inquiries
  listInquiries(query: { status?: string; limit?: number }): InquiryRecord[];
  getInquiry(id: string): InquiryRecord | undefined;
  respondInquiry(id: string, response: Record<string, unknown>, principal: Principal): Promise<InquiryRecord>;

  /** Appends an entry to the audit log (chat commands, permission decisions of the bot); no-op when disabled. */
  recordAudit?(entry: AuditEntry): void;

  /** Re-encrypts every datastore value and stored secret parameter under a new key, then replaces the key file. */
  rotateKey(): Promise<{ rotated: number; key_path: string }>;

  // lifecycle
  /** Recovery (requeue, abandon, resume workflows, pending trigger instances), timers, sensors. */
  start(): Promise<void>;
  /** Readiness for /readyz. */
  readiness(): { ready: boolean; checks: Record<string, boolean> };
  /** Adds a named readiness check (e.g. a chat adapter's connection) to /readyz. */
  addReadinessCheck(name: string, check: () => boolean): void;
  /** SIGTERM: stop taking work, give running executions the drain period, mark the rest abandoned. */
  drain(graceMs?: number): Promise<void>;
  close(): Promise<void>;
  gc(): { executions: number; triggerInstances: number; output: number };
}
