/**
 * Which adapter a channel belongs to: `<adapter>:<channel>` names it; otherwise the adapter that last saw the
 * channel (remembered in the store), otherwise the default adapter.
 */
import type { ChatAdapter } from './chat-adapter.ts';
import type { ChatRefs } from './chat-refs.ts';

export class ChatTargets {
  readonly #seen = new Map<string, string>();

  constructor(
    private readonly adapters: ReadonlyMap<string, ChatAdapter>,
    private readonly refs: ChatRefs,
    private readonly defaultAdapter?: string,
  ) {}

  adapter(name: string): ChatAdapter | undefined {
    return this.adapters.get(name);
  }

  /** Notes that `channel` lives on `adapter` (from incoming messages). */
  saw(channel: string, adapter: string, channelName?: string): void {
    for (const c of channelName ? [channel, channelName] : [channel]) {
      if (this.#seen.get(c) === adapter) continue;
      this.#seen.set(c, adapter);
      this.refs.saveChannel(c, adapter);
    }
  }

  resolve(target: string, adapterName?: string): { adapter: ChatAdapter; channel: string } | undefined {
    if (adapterName) {
      const adapter = this.adapters.get(adapterName);
      return adapter ? { adapter, channel: target } : undefined;
    }
    const colon = target.indexOf(':');
    if (colon > 0) {
      const adapter = this.adapters.get(target.slice(0, colon));
      if (adapter) return { adapter, channel: target.slice(colon + 1) };
    }
    const owner = this.#seen.get(target) ?? this.refs.channelAdapter(target);
    const adapter =
      (owner && this.adapters.get(owner)) ||
      (this.defaultAdapter && this.adapters.get(this.defaultAdapter)) ||
      this.adapters.values().next().value;
    return adapter ? { adapter, channel: target } : undefined;
  }
}
