/**
 * Parsing against a format chosen by the client (st2's `POST /v1/aliasexecution` {name, format, command},
 * which hubot sends after matching on its side): the format must be one of the alias's representations.
 */
import type { AliasDefinition } from '../engine/model/alias.ts';
import { type ParseOptions, parseCommand, parseCommandMultiple } from './format-parser.ts';
import { normalizeFormat } from './normalize-format.ts';

export class AliasFormatNotAvailableError extends Error {
  constructor(
    readonly format: string,
    readonly aliasName: string,
  ) {
    super(`Format string "${format}" is not available on the alias "${aliasName}"`);
    this.name = 'AliasFormatNotAvailableError';
  }
}

/**
 * One parameter set per execution (several only for a match_multiple format). Throws
 * AliasFormatNotAvailableError, or AliasParseError when the command does not fit the format.
 */
export function parseWithAliasFormat(
  alias: Pick<AliasDefinition, 'name' | 'formats'>,
  format: string,
  command: string,
  options: ParseOptions = {},
): Array<Record<string, string>> {
  for (const spec of alias.formats ?? []) {
    let norm: ReturnType<typeof normalizeFormat>;
    try {
      norm = normalizeFormat(spec);
    } catch {
      continue;
    }
    if (!norm.representations.includes(format)) continue;
    return norm.matchMultiple
      ? parseCommandMultiple(format, command, options)
      : [parseCommand(format, command, options)];
  }
  throw new AliasFormatNotAvailableError(format, alias.name);
}
