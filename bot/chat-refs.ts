/**
 * Chat message references kept in the engine's store (`saveChatMessage`), so a new bot over the same store
 * (after a restart) still edits running executions' messages and answers pending buttons.
 */
import type { ChatMessageRef, Store } from '../engine/store/store.ts';
import type { ChatMessage, MessageRef } from './chat-adapter.ts';

export interface ExecutionChatRecord {
  /** The result message (absent until one is posted, e.g. when the ack is disabled). */
  ref?: MessageRef;
  adapter: string;
  channel: string;
  threadId?: string;
  aliasRef?: string;
  /** Ack text the running message shows (absent: ack disabled). */
  ack?: Pick<ChatMessage, 'text' | 'pretext' | 'extra'>;
  /** The final result was delivered (never post it twice). */
  delivered?: boolean;
}

export interface InquiryChoice {
  label: string;
  response: Record<string, unknown>;
  style?: 'primary' | 'danger';
}

export interface InquiryChatRecord {
  ref: MessageRef;
  choices: InquiryChoice[];
  closed?: boolean;
}

export class ChatRefs {
  constructor(private readonly store: Pick<Store, 'saveChatMessage' | 'getChatMessage'>) {}

  #save(key: string, adapter: string, data: object): void {
    const ref: ChatMessageRef = {
      key,
      adapter,
      data: data as Record<string, unknown>,
      updated_at: new Date().toISOString(),
    };
    this.store.saveChatMessage(ref);
  }

  #get<T>(key: string): T | undefined {
    return this.store.getChatMessage(key)?.data as T | undefined;
  }

  saveExecution(id: string, data: ExecutionChatRecord): void {
    this.#save(`execution:${id}`, data.adapter, data);
  }

  execution(id: string): ExecutionChatRecord | undefined {
    return this.#get(`execution:${id}`);
  }

  saveInquiry(id: string, data: InquiryChatRecord): void {
    this.#save(`inquiry:${id}`, data.ref.adapter, data);
  }

  inquiry(id: string): InquiryChatRecord | undefined {
    return this.#get(`inquiry:${id}`);
  }

  /** Remembers which adapter a channel belongs to (announcements name channels, not adapters). */
  saveChannel(channel: string, adapter: string): void {
    this.#save(`channel:${channel}`, adapter, { adapter });
  }

  channelAdapter(channel: string): string | undefined {
    return this.#get<{ adapter: string }>(`channel:${channel}`)?.adapter;
  }
}
