/**
 * Approval prompts for inquiries (core.ask): posted in the inquiry's route or the channel the execution came
 * from; one button per choice for a single boolean/enum property, a reply command otherwise. Answers go through
 * engine.respondInquiry with the answering user's principal (the engine checks users/roles, the requester rule
 * and first-answer-wins); the prompt is updated from `inquiry__update`, whoever answered (chat, CLI, API).
 */
import { type Engine, EngineRequestError } from '../engine/engine.ts';
import type { Logger } from '../engine/log/logger.ts';
import type { InquiryRecord } from '../engine/model/inquiry.ts';
import type { ChatAdapter, ChatMessage, IncomingAction } from './chat-adapter.ts';
import type { ChatRefs, InquiryChoice } from './chat-refs.ts';
import type { ChatTargets } from './chat-targets.ts';
import type { IdentityResolution } from './identity.ts';

interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
}

function properties(schema: Record<string, unknown>): Array<[string, PropertySchema]> {
  const props = schema.properties;
  return props && typeof props === 'object' ? Object.entries(props as Record<string, PropertySchema>) : [];
}

/** Buttons for a single boolean or enum property; none (reply command) for anything else. */
export function inquiryChoices(schema: Record<string, unknown>): InquiryChoice[] {
  const props = properties(schema);
  if (props.length !== 1) return [];
  const [name, prop] = props[0]!;
  if (Array.isArray(prop.enum) && prop.enum.length > 0 && prop.enum.length <= 10)
    return prop.enum.map((v) => ({ label: String(v), response: { [name]: v } }));
  if (prop.type === 'boolean')
    return [
      { label: 'Approve', response: { [name]: true }, style: 'primary' },
      { label: 'Deny', response: { [name]: false }, style: 'danger' },
    ];
  return [];
}

/** `approve <id> [value|json]` / `deny <id>` as a response, or an error message. */
export function replyResponse(
  schema: Record<string, unknown>,
  verb: 'approve' | 'deny',
  text: string | undefined,
): Record<string, unknown> | string {
  const props = properties(schema);
  const raw = text?.trim();
  if (raw?.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      return `the response is not valid JSON: ${raw}`;
    }
  }
  if (props.length !== 1)
    return `this question has several fields: answer with a JSON object, e.g. approve <id> {"${props[0]?.[0] ?? 'field'}": ...}`;
  const [name, prop] = props[0]!;
  if (prop.type === 'boolean') {
    if (raw) return `"${verb}" takes no value for a yes/no question`;
    return { [name]: verb === 'approve' };
  }
  if (verb === 'deny') return `"deny" answers yes/no questions only: use approve <id> <value>`;
  if (!raw) return `this question needs a value: approve <id> <value>`;
  if (prop.type === 'integer' || prop.type === 'number') return { [name]: Number(raw) };
  return { [name]: raw };
}

/** `alice`, or `alice (Alice Smith)` when the chat name differs. */
export function displayName(user: string, chatName: string | undefined): string {
  return chatName && chatName !== user ? `${user} (${chatName})` : user;
}

export interface ApprovalsOptions {
  engine: Engine;
  refs: ChatRefs;
  targets: ChatTargets;
  logger: Logger;
  prefix: string;
  approvalsChannel?: string;
  resolve(action: IncomingAction): IdentityResolution;
}

export class Approvals {
  readonly #off: Array<() => void> = [];
  /** Who answered through chat (display name), for the updated prompt. */
  readonly #answeredBy = new Map<string, string>();
  readonly #chains = new Map<string, Promise<void>>();

  constructor(private readonly o: ApprovalsOptions) {}

  start(): void {
    this.#off.push(
      this.o.engine.events.on('inquiry__create', (i) => this.#serial(i.id, () => this.#prompt(i))),
    );
    this.#off.push(
      this.o.engine.events.on('inquiry__update', (i) => this.#serial(i.id, () => this.#close(i))),
    );
  }

  /** Prompts for inquiries created while no bot was running. */
  recover(): void {
    for (const inquiry of this.o.engine.listInquiries({ status: 'pending', limit: 1000 }))
      if (!this.o.refs.inquiry(inquiry.id)) this.#serial(inquiry.id, () => this.#prompt(inquiry));
  }

  async stop(): Promise<void> {
    for (const off of this.#off.splice(0)) off();
    await Promise.allSettled([...this.#chains.values()]);
  }

  #serial(id: string, fn: () => Promise<void>): void {
    const next = (this.#chains.get(id) ?? Promise.resolve())
      .then(fn)
      .catch((err: unknown) => this.o.logger.warn({ err, inquiry_id: id }, 'approval prompt failed'));
    this.#chains.set(id, next);
    void next.then(() => {
      if (this.#chains.get(id) === next) this.#chains.delete(id);
    });
  }

  /** Where the prompt goes: the route when set, else the chat the execution (or its root) came from. */
  #where(inquiry: InquiryRecord): { adapter: ChatAdapter; channel: string; threadId?: string } | undefined {
    if (inquiry.route) {
      const target = this.o.targets.resolve(inquiry.route);
      if (target) return target;
    }
    let id: string | undefined = inquiry.execution_id;
    for (let depth = 0; id && depth < 20; depth++) {
      const record = this.o.engine.getExecution(id);
      const chat = record?.context.chat as
        | { adapter?: string; channel?: string; thread_id?: string }
        | undefined;
      if (chat?.adapter && chat.channel) {
        const adapter = this.o.targets.adapter(chat.adapter);
        if (adapter) return { adapter, channel: chat.channel, threadId: chat.thread_id };
      }
      id = record?.parent ?? record?.context.parent?.execution_id;
    }
    return this.o.approvalsChannel ? this.o.targets.resolve(this.o.approvalsChannel) : undefined;
  }

  #promptMessage(inquiry: InquiryRecord, choices: InquiryChoice[]): ChatMessage {
    const questions = properties(inquiry.schema).map(
      ([name, p]) => `• ${p.description ?? name}${p.enum ? ` (${p.enum.join(' / ')})` : ''}`,
    );
    const hint =
      choices.length > 0
        ? `Click a button, or reply \`${this.o.prefix}approve ${inquiry.id}\` / \`${this.o.prefix}deny ${inquiry.id}\`.`
        : `Reply \`${this.o.prefix}approve ${inquiry.id} {"field": value}\`.`;
    const fields = [{ title: 'inquiry', value: inquiry.id, short: true }];
    if (inquiry.requester) fields.push({ title: 'requested by', value: inquiry.requester, short: true });
    if (inquiry.expires_at) fields.push({ title: 'expires', value: inquiry.expires_at, short: true });
    return {
      title: 'Approval needed',
      text: [...questions, hint].join('\n'),
      status: 'pending',
      fields,
      buttons: choices.map((c, i) => ({
        id: `inquiry:${inquiry.id}:${i}`,
        label: c.label,
        value: JSON.stringify(c.response),
        ...(c.style ? { style: c.style } : {}),
      })),
    };
  }

  async #prompt(inquiry: InquiryRecord): Promise<void> {
    if (inquiry.status !== 'pending' || this.o.refs.inquiry(inquiry.id)) return;
    const where = this.#where(inquiry);
    if (!where) {
      this.o.logger.info(
        { inquiry_id: inquiry.id, execution_id: inquiry.execution_id },
        'inquiry has no chat origin, route or approvals channel: no prompt posted',
      );
      return;
    }
    const choices = inquiryChoices(inquiry.schema);
    const ref = await where.adapter.post(where.channel, this.#promptMessage(inquiry, choices), {
      threadId: where.threadId,
    });
    this.o.refs.saveInquiry(inquiry.id, { ref, choices });
  }

  async #close(inquiry: InquiryRecord): Promise<void> {
    if (inquiry.status === 'pending') return;
    const stored = this.o.refs.inquiry(inquiry.id);
    if (!stored || stored.closed) return;
    const adapter = this.o.targets.adapter(stored.ref.adapter);
    if (!adapter) return;
    let message: ChatMessage;
    if (inquiry.status === 'succeeded') {
      const who = this.#answeredBy.get(inquiry.id) ?? inquiry.responded_by ?? 'someone';
      const choice = stored.choices.find(
        (c) => JSON.stringify(c.response) === JSON.stringify(inquiry.response ?? {}),
      );
      const answer = choice?.label ?? JSON.stringify(inquiry.response ?? {});
      message = {
        title: 'Approval answered',
        text: `${who} answered: ${answer}`,
        status: choice?.style === 'danger' ? 'warning' : 'succeeded',
        fields: [{ title: 'inquiry', value: inquiry.id, short: true }],
      };
    } else {
      message = {
        title: inquiry.status === 'timeout' ? 'Approval expired' : 'Approval canceled',
        text:
          inquiry.status === 'timeout'
            ? `Nobody answered before ${inquiry.expires_at ?? 'the deadline'}.`
            : 'The question was withdrawn.',
        status: 'warning',
        fields: [{ title: 'inquiry', value: inquiry.id, short: true }],
      };
    }
    await adapter.update(stored.ref, message);
    this.o.refs.saveInquiry(inquiry.id, { ...stored, closed: true });
    this.#answeredBy.delete(inquiry.id);
  }

  /** Finds a pending inquiry by id or unique id prefix (ids are long to type). */
  find(idOrPrefix: string): InquiryRecord | undefined {
    const exact = this.o.engine.getInquiry(idOrPrefix);
    if (exact || idOrPrefix.length < 6) return exact;
    const hits = this.o.engine
      .listInquiries({ status: 'pending', limit: 1000 })
      .filter((i) => i.id.startsWith(idOrPrefix));
    return hits.length === 1 ? hits[0] : undefined;
  }

  /** Answers as `principal`; returns an error text for the user, or undefined on success. */
  async answer(
    inquiryId: string,
    response: Record<string, unknown>,
    resolution: IdentityResolution & { ok: true },
    displayName: string,
  ): Promise<string | undefined> {
    try {
      this.#answeredBy.set(inquiryId, displayName);
      await this.o.engine.respondInquiry(inquiryId, response, resolution.principal);
      return undefined;
    } catch (err) {
      this.#answeredBy.delete(inquiryId);
      if (err instanceof EngineRequestError) return err.message;
      throw err;
    }
  }

  /** A button click: `inquiry:<id>:<choice index>`; the response comes from the stored choices, not the payload. */
  async onAction(action: IncomingAction): Promise<boolean> {
    const m = /^inquiry:(.+):(\d+)$/.exec(action.buttonId);
    if (!m) return false;
    const [, id, index] = m;
    const resolution = this.o.resolve(action);
    this.o.engine.recordAudit?.({
      kind: 'chat.action',
      actor: resolution.ok ? resolution.principal.user : resolution.key,
      adapter: action.adapter,
      workspace: action.workspace,
      channel: action.channel,
      user_id: action.user.userId,
      identity: resolution.key,
      button: action.buttonId,
      inquiry_id: id,
      outcome: resolution.ok ? 'answer' : 'refused',
    });
    if (!resolution.ok) {
      await action.respondPrivately({
        text: `Sorry, your chat account (${resolution.key}) is not linked to a Squall user, so you cannot answer.`,
        status: 'warning',
      });
      return true;
    }
    const inquiry = this.o.engine.getInquiry(id!);
    const choices = this.o.refs.inquiry(id!)?.choices ?? (inquiry ? inquiryChoices(inquiry.schema) : []);
    const choice = choices[Number(index)];
    if (!inquiry || !choice) {
      await action.respondPrivately({ text: `That question (${id}) no longer exists.`, status: 'warning' });
      return true;
    }
    const error = await this.answer(
      id!,
      choice.response,
      resolution,
      displayName(resolution.principal.user, action.user.userName),
    );
    if (error) await action.respondPrivately({ text: `Not recorded: ${error}`, status: 'warning' });
    return true;
  }
}
