import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { AuditLog } from './audit/audit-log.ts';
import type { Principal } from './auth/principal.ts';
import { Rbac } from './auth/rbac.ts';
import type { EngineConfig } from './config/engine-config.ts';
import { SecretBox } from './crypto/secret-box.ts';
import {
  buildSt2kvContext,
  collectKvReferences,
  type KvPrincipal,
  type KvReferences,
  kvContextProvider,
  kvTriggerRef,
  openDatastore,
} from './datastore/index.ts';
import { type Engine, EngineRequestError, type PackReloadResult } from './engine.ts';
import { EventBus } from './events/event-bus.ts';
import { ExecutionService } from './executions/execution-service.ts';
import type { Logger } from './log/logger.ts';
import type { ActionDefinition, ExecutionRecord, InquiryRecord, RuleDefinition } from './model/index.ts';
import { isCompleted } from './model/index.ts';
import { PackConfigService, type PackConfigServiceOptions } from './pack-configs/pack-config-service.ts';
import { createPackLifecycle } from './pack-install/engine-packs.ts';
import { loadRegistry } from './packs/discover.ts';
import type { Registry } from './packs/registry.ts';
import { type EnforcerDeps, enforceRules } from './rules/enforcer.ts';
import { RuleEngine } from './rules/rule-engine.ts';
import { ActionChainRunner, attachActionChainRunner } from './runners/action-chain/action-chain-runner.ts';
import { createBuiltinRunners, type InquiryRequest } from './runners/index.ts';
import { createRemoteRunners, REMOTE_RUNNER_ALIASES } from './runners/remote-shell/index.ts';
import type { ExecutionRequest, RunnerContext } from './runners/runner.ts';
import { newObjectId } from './store/object-id.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import { MAIN_THREAD_COMMITS_ENV } from './store/sqlite-writer.ts';
import { TimerScheduler } from './triggers/timers/timer-scheduler.ts';
import { TriggerDispatcher } from './triggers/trigger-dispatcher.ts';
import { inspectWorkflow } from './workflows/inspector.ts';
import { attachWorkflowRunner, OrquestaRunner } from './workflows/workflow-runner.ts';

export type { Engine } from './engine.ts';
export { EngineRequestError } from './engine.ts';

export interface CreateEngineOptions {
  logger: Logger;
  /** `server` runs timers (and later sensors); `cli` is an in-process CLI command on the data dir. */
  role: 'server' | 'cli';
}

const RULE_OVERRIDES_META = 'rule_overrides';

/** Per trigger type, the datastore keys its rules' templates read (none: no lookup on the hot path). */
function kvReferencesOfRules(rules: RuleDefinition[]): Map<string, KvReferences> {
  const templates = new Map<string, string[]>();
  const collect = (value: unknown, into: string[]) => {
    if (typeof value === 'string') {
      if (value.includes('st2kv') || value.includes('decrypt_kv')) into.push(value);
    } else if (Array.isArray(value)) for (const v of value) collect(v, into);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) collect(v, into);
  };
  for (const rule of rules) {
    const list = templates.get(rule.trigger.type) ?? [];
    collect(rule.action.parameters, list);
    collect(rule.criteria, list);
    templates.set(rule.trigger.type, list);
  }
  const out = new Map<string, KvReferences>();
  for (const [trigger, list] of templates) if (list.length) out.set(trigger, collectKvReferences(list));
  return out;
}

/** Orquesta workflows are inspected when their pack loads: errors register with a warning and fail the run. */
function inspectWorkflowAction(action: ActionDefinition): string[] {
  if (action.runner_type !== 'orquesta' || !action.entry_point_path) return [];
  let text: string;
  try {
    text = readFileSync(action.entry_point_path, 'utf8');
  } catch {
    return []; // a missing entry point is reported by the pack loader
  }
  const result = inspectWorkflow(text);
  return [...result.syntax, ...result.semantics, ...result.expressions, ...result.context].map(
    (e) => `${e.spec_path ?? '(workflow)'}: ${e.message}`,
  );
}
/** Whose datastore an action's call reads: the system user's, or for user scope the execution's user's. */
function actionKvUser(options: { scope?: 'system' | 'user'; user?: string } | undefined): string {
  if (options?.scope !== 'user') return 'system';
  if (!options.user) throw new Error("user-scope datastore keys need the execution's user, and it has none");
  return options.user;
}

const TIMER_TRIGGERS = new Set(['core.st2.IntervalTimer', 'core.st2.DateTimer', 'core.st2.CronTimer']);
const INQUIRY_SWEEP_MS = 30_000;

/**
 * st2 inquiry schemas (core.ask's default) are draft 3: `required: true` on a property. Ajv wants draft 4's
 * `required: [names]` on the object, so convert (recursively) before compiling.
 */
function draft4Required(schema: Record<string, unknown>): Record<string, unknown> {
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (!props || typeof props !== 'object') return schema;
  const required = Array.isArray(schema.required) ? [...(schema.required as string[])] : [];
  const properties: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(props)) {
    if (!prop || typeof prop !== 'object') {
      properties[name] = prop;
      continue;
    }
    const { required: flag, ...rest } = prop;
    if (flag === true && !required.includes(name)) required.push(name);
    properties[name] = draft4Required(typeof flag === 'boolean' ? rest : prop);
  }
  const out: Record<string, unknown> = { ...schema, properties };
  if (required.length) out.required = required;
  else delete out.required;
  return out;
}

function createPackConfigs(
  config: EngineConfig,
  options: CreateEngineOptions,
  datastore: PackConfigServiceOptions['datastore'],
  principal: (user: string) => KvPrincipal,
  logger: Logger,
): PackConfigService {
  return new PackConfigService({
    configDir: config.packs.configDir,
    datastore,
    principal,
    logger,
    quiet: options.role === 'cli',
  });
}

/** Wires the engine: store, registry, rules, executions, runners, triggers. The one facade outside code uses. */
export async function createEngine(config: EngineConfig, options: CreateEngineOptions): Promise<Engine> {
  const { logger } = options;
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(path.join(config.dataDir, 'packs'), { recursive: true });
  // Group commit: hot-path writes of one event-loop turn share a commit (webhooks wait for it before answering).
  const mainThreadCommits = process.env[MAIN_THREAD_COMMITS_ENV] === '1';
  const store = new SqliteStore({
    filename: path.join(config.dataDir, 'squall.db'),
    groupCommit: true,
    // A long-running server checkpoints off the commit path, in a checkpoint thread beside whichever thread
    // commits. CLI processes are short-lived.
    backgroundCheckpoint: options.role === 'server',
    onCheckpointError: (message) => logger.warn({ component: 'store' }, `WAL checkpoint failed: ${message}`),
    // The server's statements and commits run on a writer thread, off the event loop (CLI processes are short).
    writerThread: options.role === 'server' && !mainThreadCommits,
    onWriteError: (message) => logger.error({ component: 'store' }, message),
  });
  if (options.role === 'server' && mainThreadCommits)
    logger.info({ component: 'store' }, `${MAIN_THREAD_COMMITS_ENV}=1: SQLite commits on the main thread`);
  const secretBox = SecretBox.fromKeyFile(config.crypto.keyPath);
  const events = new EventBus();
  const rbac = new Rbac(config.rbac);
  const datastore = openDatastore({
    config,
    db: store.db,
    beforeWrite: () => store.flush(),
    cipher: secretBox,
    logger,
    onChange: (kind, payload) => {
      const ref = kvTriggerRef(kind);
      if (listened.has(ref)) dispatcher.dispatch(ref, payload as unknown as Record<string, unknown>);
    },
  });
  const kvPrincipal = (user: string): KvPrincipal => rbac.principal(user);
  const audit = config.audit.path
    ? new AuditLog({ path: config.audit.path, maxBytes: config.audit.maxBytes, keep: config.audit.keep })
    : undefined;

  const loadContent = (): Registry => {
    const overrides = JSON.parse(store.getMeta(RULE_OVERRIDES_META) ?? '{}') as Record<string, boolean>;
    const registry = loadRegistry({
      builtinDir: config.packs.builtinDir,
      paths: config.packs.paths,
      ruleOverrides: overrides,
      inspectAction: inspectWorkflowAction,
    });
    // Built-in packs carry st2 content Squall knows it cannot run (python, winrm): that is not news at every start.
    const builtinPacks = new Set(
      [...registry.packs.values()].filter((p) => p.builtin).map((p) => p.metadata.ref),
    );
    for (const problem of registry.problems)
      logger[
        problem.severity === 'error'
          ? 'error'
          : options.role === 'cli' || builtinPacks.has(problem.pack ?? '')
            ? 'debug'
            : 'warn'
      ]({ pack: problem.pack, file: problem.file, field: problem.path }, `pack problem: ${problem.message}`);
    return registry;
  };
  let registry = loadContent();
  // Pack configs (engine/pack-configs): validated at every pack (re)load, resolved when an execution uses them.
  const packConfigs = createPackConfigs(config, options, datastore, kvPrincipal, logger);
  packConfigs.load(registry.packs.values());
  const effectiveRules = (): Array<RuleDefinition & { enabled: boolean }> =>
    registry.listRules().map((rule) => ({ ...rule, enabled: registry.isRuleEnabled(rule.ref) }));
  const ruleEngine = new RuleEngine(effectiveRules());
  const listenedTriggers = (): Set<string> =>
    new Set(
      effectiveRules()
        .filter((r) => r.enabled)
        .map((r) => r.trigger.type),
    );
  let listened = listenedTriggers();
  let kvRefsByTrigger = kvReferencesOfRules(effectiveRules());
  // Webhook urls enabled rules listen to: looked up on every webhook request, so kept rather than recomputed.
  const webhookUrlsOf = (rules: Array<RuleDefinition & { enabled: boolean }>) =>
    new Set(
      rules
        .filter((r) => r.enabled && r.trigger.type === 'core.st2.webhook')
        .map((r) => String(r.trigger.parameters?.url ?? '').replace(/^\/+/, '')),
    );
  let webhookUrls = webhookUrlsOf(effectiveRules());

  const ajv = new Ajv({ allErrors: false, strict: false });
  const createInquiry = async (ctx: RunnerContext, request: InquiryRequest): Promise<void> => {
    const now = new Date();
    const inquiry: InquiryRecord = {
      id: ctx.executionId,
      execution_id: ctx.executionId,
      parent_execution_id: ctx.context.parent?.execution_id,
      status: 'pending',
      schema: request.schema,
      route: request.route,
      users: request.users,
      roles: request.roles,
      ttl_minutes: request.ttl,
      requester: ctx.context.api_user ?? ctx.context.user,
      exclude_requester: ctx.parameters.exclude_requester === true,
      created_at: now.toISOString(),
      expires_at: request.ttl > 0 ? new Date(now.getTime() + request.ttl * 60_000).toISOString() : undefined,
    };
    store.upsertInquiry(inquiry);
    events.emit('inquiry__create', inquiry);
    if (listened.has('core.st2.generic.inquiry'))
      dispatcher.dispatch('core.st2.generic.inquiry', { id: inquiry.id, route: inquiry.route });
  };

  const runners = createBuiltinRunners({
    httpAllowHosts: config.runners.http.allowHosts,
    onInquiry: createInquiry,
    apiUrl: `${config.http.publicUrl}/api/v1`,
  });

  const apiUrl = `${config.http.publicUrl}/api/v1`;
  for (const runner of createRemoteRunners({
    knownHostsPath: config.ssh.knownHostsPath || undefined,
    strictHostKeyChecking: config.ssh.strictHostKeyChecking,
    defaultUsername: config.ssh.user || undefined,
    defaultPrivateKeyPath: config.ssh.keyFile || undefined,
    defaultPort: config.ssh.port,
    connectTimeoutMs: config.ssh.connectTimeoutSeconds * 1000,
    maxParallel: config.ssh.maxParallel,
    apiUrl,
  }))
    runners.set(runner.name, runner);
  for (const [alias, name] of Object.entries(REMOTE_RUNNER_ALIASES)) runners.set(alias, runners.get(name)!);
  const orquesta = new OrquestaRunner({ store, logger, apiUrl });
  runners.set('orquesta', orquesta);
  const actionChain = new ActionChainRunner({ store, logger, getAction: (ref) => registry.getAction(ref) });
  runners.set('action-chain', actionChain);
  // Pack install/remove and the sensor host (engine/pack-install, engine/sensors).
  const lifecycle = createPackLifecycle({
    config,
    logger,
    role: options.role,
    datastore,
    principal: kvPrincipal('system'),
    packs: () => [...registry.packs.values()],
    sensors: () => registry.listSensors(),
    reload: () => engine.reloadPacks(),
    dispatch: (trigger, payload) => dispatcher.dispatch(trigger, payload),
    isAdmin: (user) => rbac.principal(user).isAdmin,
  });
  runners.set(lifecycle.runner.name, lifecycle.runner);

  const executions = new ExecutionService({
    store,
    events,
    getAction: (ref) => registry.getAction(ref),
    runners,
    policies: () => registry.listPolicies(),
    secretBox,
    config,
    logger,
    audit,
    kvContext: kvContextProvider(datastore, kvPrincipal),
    resolvePackConfig: (pack, user, onDecrypted) => packConfigs.resolve(pack, user, onDecrypted),
    packHasConfig: (pack) => packConfigs.has(pack),
    // Actions use system-scope keys as the system user, and user-scope keys as the execution's user (st2's action
    // service does the same with the execution's token), with that user's datastore permissions.
    datastore: {
      async get(key, opts) {
        const principal = kvPrincipal(actionKvUser(opts));
        return (await datastore.get(principal, key, { scope: opts?.scope, decrypt: opts?.decrypt }))?.value;
      },
      async set(key, value, opts) {
        await datastore.set(
          kvPrincipal(actionKvUser(opts)),
          key,
          typeof value === 'string' ? value : JSON.stringify(value),
          { scope: opts?.scope, encrypt: opts?.encrypt, ttl: opts?.ttl },
        );
      },
    },
  });

  attachWorkflowRunner(orquesta, executions, logger);
  attachActionChainRunner(actionChain, executions, logger);

  const requestExecution = (request: ExecutionRequest): Promise<ExecutionRecord> => {
    // A rule enforcement requests its execution once, even if the trigger instance is processed again after a crash.
    const dedupeKey =
      request.dedupeKey ??
      (request.context.rule && request.context.trigger_instance
        ? `rule:${request.context.rule.ref}:ti:${request.context.trigger_instance.id}`
        : undefined);
    return executions.request({ ...request, dedupeKey });
  };

  // Made once, not per trigger instance: what enforceRules needs when the rules read no datastore values.
  const enforcerDeps: EnforcerDeps = {
    engine: ruleEngine,
    getAction: (ref) => registry.getAction(ref),
    store,
    requestExecution,
    newId: newObjectId,
  };

  const dispatcher: TriggerDispatcher = new TriggerDispatcher({
    store,
    events,
    logger,
    process: async (instance) => {
      // Datastore values the rules of this trigger type read (criteria patterns, action parameters), fetched once.
      const refs = kvRefsByTrigger.get(instance.trigger);
      const decrypted: string[] = [];
      const kv = refs
        ? await buildSt2kvContext(datastore, kvPrincipal('system'), refs, {
            onDecrypted: (v) => decrypted.push(v),
            missing: 'empty',
          })
        : undefined;
      const enforcements = await enforceRules(
        instance,
        kv
          ? {
              ...enforcerDeps,
              requestExecution: (request) =>
                requestExecution(decrypted.length ? { ...request, secretValues: [...decrypted] } : request),
              st2kv: () => kv.st2kv,
              extraContext: () => ({ __decrypt_kv: kv.__decrypt_kv }),
            }
          : enforcerDeps,
      );
      for (const e of enforcements) {
        // A succeeded enforcement is audited by its execution's line (rule and trigger instance are in it).
        if (e.status !== 'failed') continue;
        audit?.record({
          kind: 'rule_enforcement',
          actor: 'system',
          execution_id: e.execution_id,
          rule: e.rule.ref,
          trigger_instance_id: instance.id,
          status: e.status,
          failure_reason: e.failure_reason,
        });
        logger.warn(
          { rule: e.rule.ref, trigger_instance_id: instance.id },
          `rule enforcement failed: ${e.failure_reason}`,
        );
      }
    },
  });

  // st2's generic triggers, fired only when some enabled rule listens (they would otherwise double every write).
  executions.onCompleted((record) => {
    const action = registry.getAction(record.action);
    if (listened.has('core.st2.generic.actiontrigger')) {
      dispatcher.dispatch('core.st2.generic.actiontrigger', {
        execution_id: record.id,
        status: record.status,
        start_timestamp: record.start_timestamp,
        action_name: action?.name ?? record.action.split('.').slice(1).join('.'),
        action_ref: record.action,
        runner_ref: record.runner,
        parameters: record.parameters,
        result: record.result ?? null,
      });
    }
    if (listened.has('core.st2.generic.notifytrigger') && action?.notify) {
      const sub =
        record.status === 'succeeded'
          ? action.notify.on_success
          : isCompleted(record.status)
            ? action.notify.on_failure
            : undefined;
      for (const spec of [action.notify.on_complete, sub]) {
        if (!spec) continue;
        for (const route of spec.routes ?? spec.channels ?? []) {
          dispatcher.dispatch('core.st2.generic.notifytrigger', {
            execution_id: record.id,
            status: record.status,
            start_timestamp: record.start_timestamp,
            end_timestamp: record.end_timestamp,
            action_ref: record.action,
            runner_ref: record.runner,
            channel: route,
            route,
            message: spec.message ?? null,
            data: spec.data ?? {},
          });
        }
      }
    }
  });

  const timers =
    options.role === 'server'
      ? new TimerScheduler({
          logger,
          fire: (triggerRef, parameters, payload) => {
            dispatcher.dispatch(triggerRef, payload as unknown as Record<string, unknown>, { parameters });
          },
        })
      : undefined;
  const scheduleTimers = () => {
    const problems = timers?.update(effectiveRules().filter((r) => TIMER_TRIGGERS.has(r.trigger.type))) ?? [];
    for (const p of problems)
      logger.warn({ rule: p.rule, field: p.field }, `timer rule not scheduled: ${p.message}`);
  };

  const applyContent = () => {
    ruleEngine.setRules(effectiveRules());
    kvRefsByTrigger = kvReferencesOfRules(effectiveRules());
    webhookUrls = webhookUrlsOf(effectiveRules());
    listened = listenedTriggers();
    scheduleTimers();
  };

  let started = false;
  const readinessChecks = new Map<string, () => boolean>();
  let sweep: NodeJS.Timeout | undefined;

  const expireInquiries = async () => {
    const now = Date.now();
    for (const inquiry of store.listInquiries({ status: 'pending', limit: 10_000 })) {
      if (!inquiry.expires_at || Date.parse(inquiry.expires_at) > now) continue;
      store.upsertInquiry({ ...inquiry, status: 'timeout' });
      events.emit('inquiry__update', { ...inquiry, status: 'timeout' });
      await executions
        .complete(inquiry.execution_id, 'timeout', { error: 'the inquiry expired before anyone answered' })
        .catch((err) =>
          logger.warn(
            { err, execution_id: inquiry.execution_id },
            'could not time out the inquiry execution',
          ),
        );
    }
  };

  /** Who may cancel, pause or resume: whoever may run the action; the requester may also cancel their own. */
  const requireControl = (id: string, principal: Principal, verb: 'cancel' | 'pause' | 'resume') => {
    const record = executions.get(id);
    if (!record) throw new EngineRequestError(`execution "${id}" not found`, 404);
    const owner = verb === 'cancel' && principal.user === record.context.user;
    if (!rbac.can(principal, 'run', record.action) && !owner)
      throw new EngineRequestError(
        `user "${principal.user}" may not ${verb === 'cancel' ? `cancel execution "${id}"` : `${verb} "${id}"`}`,
        403,
      );
  };

  const requireRunPermission = (principal: Principal, action: ActionDefinition) => {
    if (!rbac.can(principal, 'run', action.ref))
      throw new EngineRequestError(`user "${principal.user}" may not run action "${action.ref}"`, 403);
  };

  const rotateKey = async (): Promise<{ rotated: number; key_path: string }> => {
    const newKey = randomBytes(32);
    const next = new SecretBox(newKey);
    const { rotated } = await datastore.rotateKey(next);
    // Secret parameters of stored executions are re-encrypted too, so re-runs keep working.
    const reencrypt = (value: unknown) =>
      SecretBox.isCiphertext(value) ? next.encrypt(secretBox.decrypt(value)) : value;
    let executionsRotated = 0;
    store.transaction(() => {
      for (const record of store.listExecutions({ limit: Number.MAX_SAFE_INTEGER, order: 'asc' })) {
        const secretNames = (record.context.secret_parameters as string[] | undefined) ?? [];
        const redact = record.context.redact_values;
        if (!secretNames.length && !redact) continue;
        const parameters = { ...record.parameters };
        for (const name of secretNames) parameters[name] = reencrypt(parameters[name]);
        const context = { ...record.context, ...(redact ? { redact_values: reencrypt(redact) } : {}) };
        store.updateExecution({ ...record, parameters, context });
        executionsRotated++;
      }
    });
    const temp = `${config.crypto.keyPath}.new`;
    writeFileSync(temp, newKey.toString('base64'), { mode: 0o600 });
    renameSync(temp, config.crypto.keyPath);
    secretBox.rotateKey(newKey);
    audit?.record({
      kind: 'key_rotation',
      actor: 'admin',
      datastore_values: rotated,
      executions: executionsRotated,
    });
    return { rotated: rotated + executionsRotated, key_path: config.crypto.keyPath };
  };

  const engine: Engine = {
    config,
    datastore,
    rotateKey,
    logger,
    events,
    store,
    rbac,
    packs: () => [...registry.packs.values()],
    packProblems: () => [...registry.problems, ...packConfigs.problems()],
    packConfigs,
    actions: () => registry.listActions(),
    getAction: (ref) => registry.getAction(ref),
    rules: effectiveRules,
    getRule: (ref) => effectiveRules().find((r) => r.ref === ref),
    setRuleEnabled(ref, enabled) {
      registry.setRuleEnabled(ref, enabled);
      store.setMeta(RULE_OVERRIDES_META, JSON.stringify(Object.fromEntries(registry.ruleOverrides)));
      applyContent();
    },
    aliases: () => registry.listAliases(),
    sensors: () => registry.listSensors(),
    triggerTypes: () => registry.listTriggerTypes(),
    packInstaller: lifecycle.installer,
    sensorStatus: () => lifecycle.sensorStatus(),
    async reloadPacks(): Promise<PackReloadResult> {
      registry = loadContent();
      packConfigs.load(registry.packs.values());
      applyContent();
      if (started) await lifecycle.updateSensors();
      const packs = [...registry.packs.keys()];
      events.emit('packs__reload', { packs });
      return { packs, problems: [...registry.problems, ...packConfigs.problems()] };
    },

    async run(request, principal) {
      const action = registry.getAction(request.action);
      if (!action) throw new EngineRequestError(`action "${request.action}" not found`, 404);
      requireRunPermission(principal, action);
      const context = { ...request.context, user: request.context.user ?? principal.user };
      if (principal.user !== context.user && !principal.isAdmin)
        throw new EngineRequestError(
          `user "${principal.user}" may not run actions as "${context.user}"`,
          403,
        );
      return requestExecution({ ...request, context });
    },
    getExecution: (id, opts) => executions.get(id, opts),
    listExecutions: (query) => executions.list(query),
    countExecutions: (query) => store.countExecutions(query),
    executionOutput: (id, afterSeq) => executions.output(id, afterSeq),
    async cancelExecution(id, principal) {
      requireControl(id, principal, 'cancel');
      return executions.cancel(id);
    },
    async pauseExecution(id, principal) {
      requireControl(id, principal, 'pause');
      return executions.pause(id);
    },
    async resumeExecution(id, principal) {
      requireControl(id, principal, 'resume');
      return executions.resume(id);
    },
    async reRunExecution(id, principal, opts = {}) {
      const record = executions.get(id);
      if (!record) throw new EngineRequestError(`execution "${id}" not found`, 404);
      const action = registry.getAction(record.action);
      if (!action) throw new EngineRequestError(`action "${record.action}" no longer exists`, 404);
      requireRunPermission(principal, action);
      const parameters = opts.parameters && Object.keys(opts.parameters).length ? opts.parameters : undefined;
      return executions.reRun(id, {
        parameters,
        untrustedParameters: parameters ? Object.keys(parameters) : undefined,
        context: {
          user: principal.user,
          re_run: {
            ref: id,
            ...(opts.tasks ? { tasks: opts.tasks } : {}),
            // with-items tasks whose items all run again, not only the failed ones
            ...(opts.resetItems && opts.tasks ? { reset: opts.tasks } : {}),
          },
        },
      });
    },
    waitForExecution: (id) => executions.waitFor(id),

    dispatchTrigger: (trigger, payload, opts) => dispatcher.dispatch(trigger, payload, opts),
    durable: async () => {
      await store.whenDurable?.();
    },
    webhookKnown: (url) => url in config.webhooks || webhookUrls.has(url),
    listTriggerInstances: (query) =>
      store.listTriggerInstances(query as Parameters<typeof store.listTriggerInstances>[0]),
    listRuleEnforcements: (query) => store.listRuleEnforcements(query),

    listInquiries: (query) => store.listInquiries(query),
    getInquiry: (id) => store.getInquiry(id),
    async respondInquiry(id, response, principal) {
      const inquiry = store.getInquiry(id);
      if (!inquiry) throw new EngineRequestError(`inquiry "${id}" not found`, 404);
      if (inquiry.status !== 'pending')
        throw new EngineRequestError(
          `inquiry "${id}" is ${inquiry.status}: it was already answered or expired`,
          409,
        );
      if (!rbac.can(principal, 'respond'))
        throw new EngineRequestError(`user "${principal.user}" may not answer inquiries`, 403);
      const allowedByList =
        (!inquiry.users.length && !inquiry.roles.length) ||
        inquiry.users.includes(principal.user) ||
        inquiry.roles.some((r) => principal.roles.includes(r)) ||
        principal.isAdmin;
      if (!allowedByList)
        throw new EngineRequestError(
          `user "${principal.user}" is not among those who may answer inquiry "${id}"`,
          403,
        );
      if (inquiry.exclude_requester && inquiry.requester === principal.user)
        throw new EngineRequestError(
          `user "${principal.user}" asked for this approval and may not answer it`,
          403,
        );
      const validate = ajv.compile(draft4Required(inquiry.schema));
      if (!validate(response))
        throw new EngineRequestError(
          `the response does not match the inquiry's schema: ${ajv.errorsText(validate.errors)}`,
        );
      if (!store.respondInquiry(id, response, principal.user))
        throw new EngineRequestError(`inquiry "${id}" was already answered`, 409);
      const answered = store.getInquiry(id)!;
      audit?.record({
        kind: 'inquiry_response',
        actor: principal.user,
        execution_id: inquiry.execution_id,
        inquiry_id: id,
      });
      events.emit('inquiry__update', answered);
      await executions.complete(inquiry.execution_id, 'succeeded', { response });
      return answered;
    },

    recordAudit: (entry) => audit?.record(entry),

    async start() {
      if (started) return;
      started = true;
      const recovered = await executions.recover();
      const pending = dispatcher.processPending();
      if (recovered.requeued || recovered.rerun || recovered.abandoned || recovered.delegated || pending)
        logger.info(
          { ...recovered, pending_trigger_instances: pending },
          'recovered state from the previous run',
        );
      if (options.role === 'server') {
        scheduleTimers();
        await lifecycle.updateSensors();
        await expireInquiries();
        sweep = setInterval(() => void expireInquiries(), INQUIRY_SWEEP_MS);
        sweep.unref();
      }
    },
    readiness() {
      const checks: Record<string, boolean> = {
        packs_loaded: registry.packs.size > 0,
        store_open: true,
        started,
      };
      for (const [name, check] of readinessChecks) checks[name] = check();
      return { ready: Object.values(checks).every(Boolean), checks };
    },
    addReadinessCheck(name, check) {
      readinessChecks.set(name, check);
    },
    async drain(graceMs) {
      timers?.stop();
      await lifecycle.stopSensors();
      if (sweep) clearInterval(sweep);
      // Accepted events not started yet stay pending in the Store for the next start: no new work is taken.
      dispatcher.stop();
      await dispatcher.idle();
      await executions.drain(graceMs);
    },
    async close() {
      timers?.stop();
      await lifecycle.stopSensors();
      if (sweep) clearInterval(sweep);
      // Everything accepted is processed before closing (after drain() nothing more is started).
      await dispatcher.idle();
      await executions.drain(config.executions.drainSeconds * 1000);
      await audit?.close?.();
      await datastore.close();
      await store.closeAsync();
    },
    gc() {
      const day = 86_400_000;
      const now = Date.now();
      return executions.gc({
        executionsBefore: new Date(now - config.retention.executionsDays * day),
        triggerInstancesBefore: new Date(now - config.retention.triggerInstancesDays * day),
        outputBefore: new Date(now - config.retention.outputDays * day),
      });
    },
  };
  return engine;
}
