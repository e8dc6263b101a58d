/**
 * The live alias matcher: rebuilt when packs are reloaded (no stale or duplicated commands, st2#3740/#3739),
 * never per message.
 */
import { AliasMatcher } from '../aliases/index.ts';
import type { Engine } from '../engine/engine.ts';
import type { AliasDefinition } from '../engine/model/alias.ts';

export class AliasIndex {
  #matcher: AliasMatcher | undefined;
  #aliases: AliasDefinition[] = [];
  readonly #unsubscribe: () => void;

  constructor(private readonly engine: Pick<Engine, 'aliases' | 'actions' | 'events'>) {
    this.#unsubscribe = engine.events.on('packs__reload', () => {
      this.#matcher = undefined;
    });
  }

  get matcher(): AliasMatcher {
    if (!this.#matcher) {
      this.#aliases = this.engine.aliases();
      const actionParameters = new Map<string, string[]>();
      for (const action of this.engine.actions())
        actionParameters.set(action.ref, Object.keys(action.parameters ?? {}));
      this.#matcher = new AliasMatcher(this.#aliases, { actionParameters });
    }
    return this.#matcher;
  }

  get aliases(): AliasDefinition[] {
    void this.matcher;
    return this.#aliases;
  }

  close(): void {
    this.#unsubscribe();
  }
}
