/**
 * Choosing the alias for a chat command (st2's get_matching_alias), with ranking where st2 gives up with
 * "matched more than 1 pattern" (st2#4511, st2#3770):
 *   1. fewest quote mismatches (a value opened with a quote should close with the same quote),
 *   2. most literal text matched, 3. most parameters bound, 4. fewest defaults used,
 *   5. on a true tie, user packs (builtin: false) beat built-in packs.
 * Whatever is still tied is ambiguous. match_multiple formats are only tried when nothing else matched.
 * Formats are indexed by their leading literal text, so a command only tries formats that can match.
 */
import type { AliasDefinition } from '../engine/model/alias.ts';
import {
  type CompiledFormat,
  compileFormat,
  type FormatHit,
  matchFormat,
  matchFormatAll,
  type PreparedCommand,
  prepareCommand,
} from './format-parser.ts';
import { normalizeFormat } from './normalize-format.ts';
import { type SuggestionTarget, suggest, suggestionTarget } from './suggest.ts';

export interface MatchCandidate {
  alias: AliasDefinition;
  /** Index in `alias.formats`. */
  formatIndex: number;
  /** Index in that format's representation list. */
  representationIndex: number;
  representation: string;
  display: string | null;
  params: Record<string, string>;
}

export interface AliasMatchFound extends MatchCandidate {
  kind: 'match';
  matchMultiple: boolean;
  /** One parameter set per execution: 1 for normal formats, 1..n for match_multiple. */
  paramSets: Array<Record<string, string>>;
}

export type AliasMatchResult =
  | AliasMatchFound
  | { kind: 'ambiguous'; message: string; candidates: MatchCandidate[] }
  | { kind: 'no_match'; message: string; suggestions: string[] };

export interface AliasMatcherOptions {
  /** Action ref → its parameter names; a trailing `k=v` is an extra only when `k` is one of them. */
  actionParameters?: ReadonlyMap<string, Iterable<string>> | Record<string, Iterable<string>>;
  /** How many "did you mean" suggestions to return (default 3). */
  maxSuggestions?: number;
}

export interface MatchOptions {
  canUse?: (alias: AliasDefinition) => boolean;
}

export interface AliasFormatProblem {
  ref: string;
  formatIndex: number;
  message: string;
}

interface Entry {
  order: number;
  alias: AliasDefinition;
  formatIndex: number;
  representationIndex: number;
  representation: string;
  display: string | null;
  compiled: CompiledFormat;
  names: ReadonlySet<string> | undefined;
}

interface TrieNode {
  children: Map<string, TrieNode>;
  entries: Entry[];
}

interface Score {
  quoteMismatch: number;
  literal: number;
  bound: number;
  defaults: number;
}

const QUOTES = new Set(['"', "'"]);
const WS = /\s/;

export class AliasMatcher {
  /** Formats that could not be compiled or normalised (they are skipped). */
  readonly problems: AliasFormatProblem[] = [];
  private readonly root: TrieNode = { children: new Map(), entries: [] };
  private readonly unindexed: Entry[] = [];
  private readonly multiple: Entry[] = [];
  private readonly targets: Array<SuggestionTarget & { alias: AliasDefinition }> = [];
  private readonly maxSuggestions: number;

  /**
   * @param options matcher options, or directly the map of action ref → parameter names
   *   (a Map, or a record of name lists).
   */
  constructor(
    aliases: readonly AliasDefinition[],
    options: AliasMatcherOptions | NonNullable<AliasMatcherOptions['actionParameters']> = {},
  ) {
    if (options instanceof Map || !isOptions(options)) options = { actionParameters: options };
    this.maxSuggestions = options.maxSuggestions ?? 3;
    const paramSets = new Map<string, ReadonlySet<string>>();
    const ap = options.actionParameters;
    if (ap) {
      const entries = ap instanceof Map ? [...ap.entries()] : Object.entries(ap);
      for (const [ref, names] of entries) paramSets.set(ref, new Set(names));
    }
    let order = 0;
    for (const alias of aliases) {
      if (alias.enabled === false) continue;
      const names = paramSets.get(alias.action_ref);
      (alias.formats ?? []).forEach((spec, formatIndex) => {
        let norm: ReturnType<typeof normalizeFormat>;
        try {
          norm = normalizeFormat(spec);
        } catch (err) {
          this.problems.push({ ref: alias.ref, formatIndex, message: (err as Error).message });
          return;
        }
        if (norm.display) this.targets.push({ ...suggestionTarget(norm.display), alias });
        norm.representations.forEach((representation, representationIndex) => {
          let compiled: CompiledFormat;
          try {
            compiled = compileFormat(representation);
          } catch (err) {
            this.problems.push({ ref: alias.ref, formatIndex, message: (err as Error).message });
            return;
          }
          const entry: Entry = {
            order: order++,
            alias,
            formatIndex,
            representationIndex,
            representation,
            display: norm.display,
            compiled,
            names,
          };
          if (norm.matchMultiple) this.multiple.push(entry);
          else if (compiled.leadingLiteral) this.insert(compiled.leadingLiteral, entry);
          else this.unindexed.push(entry);
        });
      });
    }
  }

  private insert(prefix: string, entry: Entry): void {
    let node = this.root;
    for (let k = 0; k < prefix.length; k++) {
      const ch = prefix[k]!;
      let next = node.children.get(ch);
      if (!next) {
        next = { children: new Map(), entries: [] };
        node.children.set(ch, next);
      }
      node = next;
    }
    node.entries.push(entry);
  }

  /** Formats whose leading literal is a prefix of the command, plus every format without one. */
  private candidates(text: string): Entry[] {
    let out: Entry[] = this.unindexed;
    let sources = out.length > 0 ? 1 : 0;
    let node: TrieNode | undefined = this.root;
    let k = 0;
    while (k < text.length && WS.test(text[k]!)) k++;
    for (; k < text.length; k++) {
      node = node.children.get(text[k]!);
      if (!node) break;
      if (node.entries.length > 0) {
        out = sources === 0 ? node.entries : out.concat(node.entries);
        sources++;
      }
    }
    // Several sources: restore definition order, which breaks ranking ties deterministically.
    if (sources > 1) out.sort((a, b) => a.order - b.order);
    return out;
  }

  /**
   * @param options.canUse only aliases the asking user may run take part (matching, ranking, suggestions),
   *   so an alias they cannot use never makes their command ambiguous.
   */
  match(command: string, options: MatchOptions = {}): AliasMatchResult {
    const { canUse } = options;
    const prepared = prepareCommand(command);
    let hits: Array<{ entry: Entry; hit: FormatHit }> = [];
    for (const entry of this.candidates(prepared.text)) {
      if (canUse && !canUse(entry.alias)) continue;
      const hit = matchFormat(entry.compiled, prepared, entry.names);
      if (hit) hits.push({ entry, hit });
    }
    if (hits.length > 1) {
      // The same representation twice on one alias is one pattern, not an ambiguity.
      const seen = new Set<string>();
      hits = hits.filter(({ entry }) => {
        const key = `${entry.alias.ref}\u0000${entry.representation}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    if (hits.length > 0) {
      const best = this.rank(hits, prepared);
      if (best.length === 1) return found(best[0]!.entry, [best[0]!.hit.params], false);
      return {
        kind: 'ambiguous',
        message: `Command '${command}' matched more than 1 pattern`,
        candidates: best.map(({ entry, hit }) => candidate(entry, hit.params)),
      };
    }

    const multiHits: Array<{ entry: Entry; hit: FormatHit; all: FormatHit[] }> = [];
    for (const entry of this.multiple) {
      if (canUse && !canUse(entry.alias)) continue;
      const all = matchFormatAll(entry.compiled, prepared, entry.names);
      if (all.length > 0) multiHits.push({ entry, hit: all[0]!, all });
    }
    if (multiHits.length > 0) {
      const best = this.rank(multiHits, prepared) as typeof multiHits;
      if (best.length === 1) {
        return found(
          best[0]!.entry,
          best[0]!.all.map((h) => h.params),
          true,
        );
      }
      return {
        kind: 'ambiguous',
        message: `Command '${command}' matched more than 1 (multi) pattern`,
        candidates: best.map(({ entry, hit }) => candidate(entry, hit.params)),
      };
    }

    return {
      kind: 'no_match',
      message: `Command '${command}' matched no patterns`,
      suggestions: suggest(
        canUse ? this.targets.filter((t) => canUse(t.alias)) : this.targets,
        prepared.text,
        this.maxSuggestions,
      ),
    };
  }

  /** The best-ranked hits (more than one only for a true tie). */
  private rank<T extends { entry: Entry; hit: FormatHit }>(hits: T[], prepared: PreparedCommand): T[] {
    if (hits.length === 1) return hits;
    const scored = hits.map((h) => ({ h, s: score(h.entry, prepared) }));
    scored.sort((a, b) => compareScores(a.s, b.s) || a.h.entry.order - b.h.entry.order);
    const top = scored[0]!.s;
    let best = scored.filter((x) => compareScores(x.s, top) === 0).map((x) => x.h);
    if (
      best.length > 1 &&
      best.some((b) => !b.entry.alias.builtin) &&
      best.some((b) => b.entry.alias.builtin)
    ) {
      best = best.filter((b) => !b.entry.alias.builtin);
    }
    return best;
  }
}

function isOptions(value: object): value is AliasMatcherOptions {
  const keys = Object.keys(value);
  return keys.length === 0 || keys.every((k) => k === 'actionParameters' || k === 'maxSuggestions');
}

function candidate(entry: Entry, params: Record<string, string>): MatchCandidate {
  return {
    alias: entry.alias,
    formatIndex: entry.formatIndex,
    representationIndex: entry.representationIndex,
    representation: entry.representation,
    display: entry.display,
    params,
  };
}

function found(
  entry: Entry,
  paramSets: Array<Record<string, string>>,
  matchMultiple: boolean,
): AliasMatchFound {
  return { kind: 'match', ...candidate(entry, paramSets[0] ?? {}), matchMultiple, paramSets };
}

function compareScores(a: Score, b: Score): number {
  return (
    a.quoteMismatch - b.quoteMismatch || b.literal - a.literal || b.bound - a.bound || a.defaults - b.defaults
  );
}

/** Re-run the winning match with group indices to measure it. */
function score(entry: Entry, prepared: PreparedCommand): Score {
  const hit = matchFormat(entry.compiled, prepared, entry.names, true);
  if (!hit) return { quoteMismatch: Number.POSITIVE_INFINITY, literal: 0, bound: 0, defaults: 0 };
  const { match, stream } = hit;
  const spans: Array<[number, number]> = [];
  let bound = 0;
  const groups = match.indices?.groups;
  if (groups) {
    for (const name of entry.compiled.groupNames) {
      const span = groups[name];
      if (!span) continue;
      spans.push(span);
      if (span[1] > span[0]) bound++;
    }
  }
  let quoteMismatch = 0;
  for (const [s, e] of spans) {
    const before = QUOTES.has(stream[s - 1] ?? '') ? stream[s - 1] : undefined;
    const after = QUOTES.has(stream[e] ?? '') ? stream[e] : undefined;
    if ((before || after) && before !== after) quoteMismatch++;
  }
  let literal = 0;
  const end = match.index + match[0].length;
  for (let k = match.index; k < end; k++) {
    const ch = stream[k]!;
    if (QUOTES.has(ch) || /\s/.test(ch)) continue;
    if (spans.some(([s, e]) => k >= s && k < e)) continue;
    literal++;
  }
  return { quoteMismatch, literal, bound, defaults: hit.defaultsUsed };
}
