/**
 * `squall alias match` as data: the JSON the CLI prints. With `formats`, the command is matched against
 * those format strings only (alias null, index into `formats`); otherwise against the aliases.
 */
import type { AliasDefinition } from '../engine/model/alias.ts';
import { AliasMatcher, type AliasMatcherOptions, type MatchCandidate } from './matcher.ts';

export type CliMatchResult =
  | { alias: string | null; format: number; params: Record<string, string> | Array<Record<string, string>> }
  | { error: string; kind: 'no_match' | 'ambiguous'; candidates: string[] };

export function matchForCli(
  aliases: readonly AliasDefinition[],
  command: string,
  options: { formats?: string[] } & AliasMatcherOptions = {},
): CliMatchResult {
  const { formats, ...matcherOptions } = options;
  const adHoc = formats !== undefined;
  const source: readonly AliasDefinition[] = adHoc
    ? [
        {
          ref: '',
          name: '',
          pack: '',
          enabled: true,
          action_ref: '',
          formats,
          builtin: false,
          metadata_file: '',
        },
      ]
    : aliases;
  const result = new AliasMatcher(source, matcherOptions).match(command);
  if (result.kind === 'match') {
    return {
      alias: adHoc ? null : result.alias.ref,
      format: result.formatIndex,
      params: result.matchMultiple ? result.paramSets : result.params,
    };
  }
  if (result.kind === 'ambiguous') {
    const describe = (c: MatchCandidate) =>
      adHoc ? c.representation : `${c.alias.ref}: ${c.representation}`;
    return { error: result.message, kind: 'ambiguous', candidates: result.candidates.map(describe) };
  }
  return { error: result.message, kind: 'no_match', candidates: result.suggestions };
}
