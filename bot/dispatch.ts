/**
 * Command dispatch: chat text → rate limit → identity → alias match → permission → execution (or a command the
 * bot answers itself: help, approve, deny, execution). Every command is audited with its source.
 */
import { type AliasMatchFound, AliasParameterError, buildExecutionParameters } from '../aliases/index.ts';
import { type Engine, EngineRequestError } from '../engine/engine.ts';
import type { Logger } from '../engine/log/logger.ts';
import type { AliasDefinition } from '../engine/model/alias.ts';
import type { ExecutionContext } from '../engine/model/execution.ts';
import { newObjectId } from '../engine/store/object-id.ts';
import type { AliasIndex } from './alias-index.ts';
import type { Approvals } from './approvals.ts';
import { displayName, replyResponse } from './approvals.ts';
import type { BotConfig } from './bot-config.ts';
import type { ChatAdapter, IncomingMessage, Replier } from './chat-adapter.ts';
import type { ChatTargets } from './chat-targets.ts';
import { commandText } from './command-text.ts';
import { helpMessage } from './help.ts';
import { type IdentityResolution, resolveIdentity } from './identity.ts';
import { type LiveResults, webUrl } from './live-results.ts';
import { botCommandOf, decideAlias, type Where } from './permissions.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { elapsedSeconds, executionView } from './render/execution-view.ts';
import { renderAck, renderResult, renderRunning, resultOutput } from './render/result-message.ts';

export interface DispatcherDeps {
  engine: Engine;
  config: BotConfig;
  adapters: ReadonlyMap<string, ChatAdapter>;
  index: AliasIndex;
  live: LiveResults;
  approvals: Approvals;
  targets: ChatTargets;
  limiter: RateLimiter;
  logger: Logger;
}

type Resolved = IdentityResolution & { ok: true };

interface Turn {
  message: IncomingMessage;
  reply: Replier;
  adapter: ChatAdapter;
  command: string;
  who: Resolved;
  where: Where;
}

const DELIVERIES_KEPT = 5000;

export class CommandDispatcher {
  readonly #deliveries = new Set<string>();
  readonly #warned = new Map<string, number>();

  constructor(private readonly d: DispatcherDeps) {}

  #audit(
    message: IncomingMessage,
    key: string,
    actor: string,
    command: string,
    outcome: string,
    extra = {},
  ): void {
    const entry = {
      kind: 'chat.command',
      actor,
      adapter: message.adapter,
      workspace: message.workspace,
      channel: message.channel,
      channel_name: message.channelName,
      user_id: message.user.userId,
      user_name: message.user.userName,
      identity: key,
      command,
      outcome,
      ...extra,
    };
    this.d.engine.recordAudit?.(entry);
    this.d.logger.info(entry, `chat command ${outcome}`);
  }

  /** A retried delivery (same Slack event_id / Discord interaction id) is handled once. */
  #duplicate(deliveryId: string | undefined): boolean {
    if (!deliveryId) return false;
    if (this.#deliveries.has(deliveryId)) return true;
    this.#deliveries.add(deliveryId);
    if (this.#deliveries.size > DELIVERIES_KEPT)
      this.#deliveries.delete(this.#deliveries.values().next().value as string);
    return false;
  }

  async onMessage(message: IncomingMessage, reply: Replier): Promise<void> {
    if (message.user.isBot) return; // our own and other bots' messages (S8)
    const command = commandText(message, this.d.config.prefix);
    if (!command || this.#duplicate(message.deliveryId)) return;
    const adapter = this.d.adapters.get(message.adapter);
    if (!adapter) {
      this.d.logger.warn({ adapter: message.adapter }, 'message from an adapter the bot was not given');
      return;
    }
    // Channels (not DMs or per-request console channels) are remembered for announcements that name them.
    if (message.kind !== 'dm') this.d.targets.saw(message.channel, message.adapter, message.channelName);
    const who = resolveIdentity(this.d.config, this.d.engine.rbac, message.user);
    if (!this.d.limiter.take(who.key)) {
      this.#audit(message, who.key, who.ok ? who.principal.user : who.key, command, 'rate_limited');
      // One warning per minute: a flood of commands must not become a flood of replies.
      const last = this.#warned.get(who.key) ?? 0;
      if (Date.now() - last < 60_000) return;
      this.#warned.set(who.key, Date.now());
      if (this.#warned.size > 10_000) this.#warned.clear();
      await reply.postPrivately({
        text: `Easy there: at most ${this.d.config.rateLimitPerMinute} commands a minute. Please try again shortly.`,
        status: 'warning',
      });
      return;
    }
    if (!who.ok) {
      this.#audit(message, who.key, who.key, command, 'refused', {
        reason: 'chat identity not mapped to a user',
      });
      await reply.postPrivately({
        text: `Sorry, I don't know who you are here (${who.key}). Ask an admin to link your chat account to a Squall user.`,
        status: 'warning',
      });
      return;
    }
    const turn: Turn = {
      message,
      reply,
      adapter,
      command,
      who,
      where: { channel: message.channel, channelName: message.channelName, identityKey: who.key },
    };
    try {
      await this.#dispatch(turn);
    } catch (err) {
      this.d.logger.error({ err, identity: who.key }, 'chat command failed');
      this.#audit(message, who.key, who.principal.user, command, 'error', { reason: (err as Error).message });
      await reply.post({ text: `Something went wrong: ${(err as Error).message}`, status: 'failed' });
    }
  }

  #canUse(turn: Turn) {
    return (alias: AliasDefinition) =>
      decideAlias(alias, turn.who.principal, turn.where, this.d.config, this.d.engine.rbac).allowed;
  }

  async #dispatch(turn: Turn): Promise<void> {
    const { message, reply, command, who } = turn;
    const actor = who.principal.user;
    const result = this.d.index.matcher.match(command);
    if (result.kind === 'no_match') {
      if (/^help\b/i.test(command)) return this.#help(turn, command.slice(4).trim());
      this.#audit(message, who.key, actor, command, 'no_match');
      const canUse = this.#canUse(turn);
      const usable = new Set(
        this.d.index.aliases
          .filter(canUse)
          .flatMap((a) => a.formats.map((f) => (typeof f === 'string' ? f : f.display))),
      );
      const suggestions = result.suggestions.filter((s) => usable.has(s));
      await reply.post({
        text:
          suggestions.length > 0
            ? `I don't know "${command}". Did you mean:\n${suggestions.map((s) => `• ${this.d.config.prefix}${s}`).join('\n')}`
            : `I don't know "${command}". Try ${this.d.config.prefix}help.`,
        status: 'warning',
      });
      return;
    }
    if (result.kind === 'ambiguous') {
      this.#audit(message, who.key, actor, command, 'ambiguous');
      await reply.post({
        text: `"${command}" matches more than one command equally well:\n${result.candidates
          .map((c) => `• ${c.display ?? c.representation} (${c.alias.ref})`)
          .join('\n')}`,
        status: 'warning',
      });
      return;
    }
    const alias = result.alias;
    const decision = decideAlias(alias, who.principal, turn.where, this.d.config, this.d.engine.rbac);
    if (!decision.allowed) {
      this.#audit(message, who.key, actor, command, 'denied', { alias: alias.ref, reason: decision.reason });
      this.d.engine.recordAudit?.({
        kind: 'permission.decision',
        actor,
        identity: who.key,
        alias: alias.ref,
        action: alias.action_ref,
        decision: 'denied',
        reason: decision.reason,
      });
      await reply.postPrivately({
        text: `Sorry, you may not use "${result.display ?? result.representation}": ${decision.reason}.`,
        status: 'warning',
      });
      return;
    }
    const botCommand = botCommandOf(alias);
    if (botCommand) return this.#botCommand(turn, botCommand, result);
    await this.#run(turn, result, decision.reason);
  }

  async #help(turn: Turn, filter: string): Promise<void> {
    this.#audit(turn.message, turn.who.key, turn.who.principal.user, turn.command, 'help');
    await turn.reply.post(
      helpMessage(this.d.index.aliases, {
        filter,
        prefix: this.d.config.prefix,
        canUse: this.#canUse(turn),
        maxTextLength: turn.adapter.limits.maxTextLength,
      }),
    );
  }

  async #botCommand(turn: Turn, name: string, match: AliasMatchFound): Promise<void> {
    const params = match.params;
    const { reply, who } = turn;
    switch (name) {
      case 'help':
        return this.#help(turn, params.filter ?? '');
      case 'approve':
      case 'deny': {
        const inquiry = this.d.approvals.find(params.id ?? '');
        this.#audit(turn.message, who.key, who.principal.user, turn.command, name, {
          inquiry_id: inquiry?.id,
        });
        if (!inquiry) {
          await reply.postPrivately({ text: `No question with id "${params.id}".`, status: 'warning' });
          return;
        }
        const response = replyResponse(inquiry.schema, name, params.response);
        if (typeof response === 'string') {
          await reply.postPrivately({ text: response, status: 'warning' });
          return;
        }
        const error = await this.d.approvals.answer(
          inquiry.id,
          response,
          who,
          displayName(who.principal.user, turn.message.user.userName),
        );
        await reply.postPrivately(
          error
            ? { text: `Not recorded: ${error}`, status: 'warning' }
            : { text: `Recorded your answer to ${inquiry.id}.`, status: 'succeeded' },
        );
        return;
      }
      case 'execution': {
        this.#audit(turn.message, who.key, who.principal.user, turn.command, 'execution');
        const record = params.id ? this.d.engine.getExecution(params.id) : undefined;
        if (!this.d.engine.rbac.can(who.principal, 'read')) {
          await reply.postPrivately({ text: 'Sorry, you may not read executions.', status: 'warning' });
          return;
        }
        if (!record) {
          await reply.post({ text: `No execution with id "${params.id}".`, status: 'warning' });
          return;
        }
        const view = executionView(
          record,
          this.d.engine.getAction(record.action),
          webUrl(this.d.engine, record.id),
        );
        const max = turn.adapter.limits.maxTextLength;
        const message =
          record.end_timestamp !== undefined
            ? renderResult(undefined, view, record, { maxTextLength: max, elapsed: elapsedSeconds(record) })
            : renderRunning(
                { text: `${record.action} is ${record.status} (execution ${record.id})` },
                record,
                resultOutput(
                  this.d.engine
                    .executionOutput(record.id)
                    .map((c) => c.data)
                    .join(''),
                ),
                max,
              );
        if (message) await reply.post(message);
        return;
      }
      default:
        await reply.post({ text: `The command "${name}" is not supported by this bot.`, status: 'warning' });
    }
  }

  async #run(turn: Turn, match: AliasMatchFound, reason: string): Promise<void> {
    const { message, reply, who, adapter, command } = turn;
    const alias = match.alias;
    const action = this.d.engine.getAction(alias.action_ref);
    for (const extracted of match.paramSets) {
      let built: ReturnType<typeof buildExecutionParameters>;
      try {
        built = buildExecutionParameters(alias, extracted, action?.parameters);
      } catch (err) {
        if (!(err instanceof AliasParameterError)) throw err;
        this.#audit(message, who.key, who.principal.user, command, 'error', {
          alias: alias.ref,
          reason: err.message,
        });
        await reply.post({ text: err.message, status: 'failed' });
        return;
      }
      // Chosen here so the live reply can start before the execution exists; the same id shape as every other
      // execution (time-ordered: an insert appends to the B-tree, ids sort by age).
      const id = newObjectId();
      const context: ExecutionContext = {
        user: who.principal.user,
        api_user: who.principal.user,
        source_channel: message.channelName ?? message.channel,
        action_alias_ref: { name: alias.name, ref: alias.ref },
        chat: {
          adapter: message.adapter,
          kind: message.kind,
          workspace: message.workspace,
          channel: message.channel,
          channel_name: message.channelName,
          thread_id: message.threadId,
          message_id: message.messageId,
          user_id: message.user.userId,
          user_name: message.user.userName,
          identity: who.key,
          command,
        },
        authorization: { decision: 'allowed', reason, via: who.via, roles: who.principal.roles },
      };
      this.d.live.begin(
        id,
        adapter,
        { adapter: adapter.name, channel: message.channel, threadId: message.threadId, aliasRef: alias.ref },
        (m) => reply.post(m),
      );
      let record: Awaited<ReturnType<Engine['run']>>;
      try {
        record = await this.d.engine.run(
          {
            id,
            action: alias.action_ref,
            parameters: { ...built.parameters, ...built.templated },
            untrustedParameters: built.untrustedParameters,
            context,
          },
          who.principal,
        );
      } catch (err) {
        this.d.live.abandon(id);
        if (!(err instanceof EngineRequestError)) throw err;
        this.#audit(message, who.key, who.principal.user, command, 'error', {
          alias: alias.ref,
          reason: err.message,
        });
        await reply.post({ text: `Could not run ${alias.action_ref}: ${err.message}`, status: 'failed' });
        return;
      }
      this.#audit(message, who.key, who.principal.user, command, 'executed', {
        alias: alias.ref,
        execution_id: record.id,
      });
      const view = executionView(record, action, webUrl(this.d.engine, record.id));
      this.d.live.requested(record, renderAck(alias, view, record));
    }
  }
}
