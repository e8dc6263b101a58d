/**
 * Channel and user names → Slack ids (conversations.list / users.list, paginated, cached), and user ids →
 * display names (users.info, cached). Lookups are best-effort where only a display name is at stake.
 */
import type { webApi } from '@slack/bolt';
import { withRetryAfter } from './retry-after.ts';

const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

export function looksLikeChannelId(value: string): boolean {
  return CHANNEL_ID.test(value);
}

export function looksLikeUserId(value: string): boolean {
  return USER_ID.test(value);
}

export class SlackDirectory {
  #channels = new Map<string, string>();
  #channelsLoadedAt = 0;
  #loadingChannels?: Promise<void>;
  #userIds = new Map<string, string>();
  #usersLoadedAt = 0;
  readonly #userNames = new Map<string, string | undefined>();

  constructor(
    private readonly client: () => webApi.WebClient,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  /** `#ops`, `ops` or `C123` → channel id; throws naming the channel when there is none. */
  async channelId(ref: string): Promise<string> {
    const trimmed = ref.trim();
    if (looksLikeChannelId(trimmed)) return trimmed;
    const name = trimmed.replace(/^#/, '').toLowerCase();
    const stale = Date.now() - this.#channelsLoadedAt > this.ttlMs;
    if (stale || !this.#channels.has(name)) {
      // A miss refreshes the cache once (a channel created after the last listing).
      if (stale || Date.now() - this.#channelsLoadedAt > 5000) await this.#loadChannels();
    }
    const id = this.#channels.get(name);
    if (!id) throw new Error(`Slack: no channel named "#${name}" visible to the bot (conversations.list)`);
    return id;
  }

  /** Remembers a name seen on an incoming payload (saves a listing). */
  sawChannel(id: string, name?: string): void {
    if (name) this.#channels.set(name.toLowerCase(), id);
  }

  #loadChannels(): Promise<void> {
    this.#loadingChannels ??= (async () => {
      try {
        const found = new Map<string, string>();
        let cursor: string | undefined;
        for (let page = 0; page < 100; page++) {
          const r = await withRetryAfter(() =>
            this.client().conversations.list({
              types: 'public_channel,private_channel',
              exclude_archived: true,
              limit: 200,
              ...(cursor ? { cursor } : {}),
            }),
          );
          for (const c of r.channels ?? []) if (c.id && c.name) found.set(c.name.toLowerCase(), c.id);
          cursor = r.response_metadata?.next_cursor || undefined;
          if (!cursor) break;
        }
        this.#channels = found;
        this.#channelsLoadedAt = Date.now();
      } finally {
        this.#loadingChannels = undefined;
      }
    })();
    return this.#loadingChannels;
  }

  /** `U123`, `@alice`, `alice`, or an identity key `slack:T1:U123` → user id. */
  async userId(ref: string): Promise<string> {
    const trimmed = ref.trim();
    const last = trimmed.includes(':') ? (trimmed.split(':').pop() ?? trimmed) : trimmed;
    if (looksLikeUserId(last)) return last;
    const name = last.replace(/^@/, '').toLowerCase();
    if (!this.#userIds.has(name) || Date.now() - this.#usersLoadedAt > this.ttlMs) await this.#loadUsers();
    const id = this.#userIds.get(name);
    if (!id) throw new Error(`Slack: no user named "@${name}" (users.list)`);
    return id;
  }

  async #loadUsers(): Promise<void> {
    const found = new Map<string, string>();
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await withRetryAfter(() =>
        this.client().users.list({ limit: 200, ...(cursor ? { cursor } : {}) }),
      );
      for (const m of r.members ?? []) {
        if (!m.id) continue;
        for (const n of [m.name, m.profile?.display_name, m.real_name])
          if (n) found.set(n.toLowerCase(), m.id);
      }
      cursor = r.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    this.#userIds = found;
    this.#usersLoadedAt = Date.now();
  }

  /** The user's handle for display ("approved by alice"); undefined when Slack will not say. */
  async userName(id: string): Promise<string | undefined> {
    if (this.#userNames.has(id)) return this.#userNames.get(id);
    let name: string | undefined;
    try {
      const r = await this.client().users.info({ user: id });
      name = r.user?.name ?? r.user?.profile?.display_name ?? undefined;
    } catch {
      name = undefined;
    }
    if (this.#userNames.size > 10_000) this.#userNames.clear();
    this.#userNames.set(id, name);
    return name;
  }

  rememberUserName(id: string, name?: string): void {
    if (name) this.#userNames.set(id, name);
  }
}
