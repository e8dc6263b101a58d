/** `help [filter]`: the display strings and descriptions of the aliases this user may run (st2#2414). */
import { listHelp } from '../aliases/index.ts';
import type { AliasDefinition } from '../engine/model/alias.ts';
import type { ChatMessage } from './chat-adapter.ts';
import { fitCode } from './render/result-message.ts';

export function helpMessage(
  aliases: readonly AliasDefinition[],
  options: {
    filter?: string;
    prefix: string;
    canUse: (alias: AliasDefinition) => boolean;
    maxTextLength: number;
  },
): ChatMessage {
  const help = listHelp(aliases, { filter: options.filter || undefined, canUse: options.canUse });
  if (help.helpstrings.length === 0) {
    return {
      text: options.filter
        ? `No command you may use matches "${options.filter}".`
        : 'There is no command you may use yet.',
      status: 'info',
    };
  }
  const lines: string[] = [];
  let pack = '';
  for (const h of help.helpstrings) {
    if (h.pack !== pack) {
      pack = h.pack;
      lines.push(`${lines.length ? '\n' : ''}[${pack}]`);
    }
    lines.push(`${options.prefix}${h.display}${h.description ? ` — ${h.description}` : ''}`);
  }
  const text = `${help.available} command${help.available === 1 ? '' : 's'}${options.filter ? ` matching "${options.filter}"` : ''}:`;
  return {
    title: 'Help',
    text,
    status: 'info',
    ...fitCode(lines.join('\n'), options.maxTextLength - 200, 'help.txt'),
  };
}
