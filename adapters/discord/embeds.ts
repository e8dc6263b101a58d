/**
 * ChatMessage → Discord message body: `content` carries the pretext, one embed carries the rest (status colour,
 * title, description with the text and a code block, fields, footer) and action rows carry the buttons. Nothing
 * is cut silently: what does not fit Discord's limits (description 4,096, field 1,024, embed 6,000, content
 * 2,000) is shown as its tail with a note and returned as files, which the adapter attaches to the message.
 */
import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  ButtonStyle,
  ComponentType,
} from 'discord-api-types/v10';
import type { ChatButton, ChatMessage, ChatStatus } from '../../bot/chat-adapter.ts';

export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embedTotal: 6000,
  buttonsPerRow: 5,
  rows: 5,
  buttonLabel: 80,
  customId: 100,
  /** What the bot may put in text + code (adapter.limits.maxTextLength): fits the description with fences. */
  textBudget: 3800,
} as const;

export const STATUS_COLOUR: Record<ChatStatus, number> = {
  info: 0x439fe0,
  running: 0x439fe0,
  pending: 0xdaa038,
  succeeded: 0x2eb886,
  failed: 0xa30200,
  warning: 0xdaa038,
};

const EMOJI: Record<ChatStatus, string> = {
  info: 'ℹ️',
  running: '⏳',
  pending: '✋',
  succeeded: '✅',
  failed: '❌',
  warning: '⚠️',
};

/** Content too long for the message: attached as a file. */
export interface DiscordFile {
  filename: string;
  content: string;
}

export interface DiscordMessageBody {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  /** Nobody is pinged by what commands print (no @everyone smuggled in through output). */
  allowed_mentions: { parse: [] };
}

export interface RenderedDiscordMessage {
  body: DiscordMessageBody;
  files: DiscordFile[];
}

/** The tail of `text` in `budget` characters, preceded by a note naming the attached file. */
export function tailWithNote(text: string, budget: number, filename: string): string {
  const note = `… ${text.length} characters in total: the whole text is attached as ${filename} …\n`;
  let start = text.length - Math.max(0, budget - note.length);
  const newline = text.indexOf('\n', start);
  if (newline >= 0 && newline - start < 200) start = newline + 1;
  return `${note}${text.slice(start)}`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A code block that cannot be closed early by backticks in the output. */
function codeBlock(code: string): string {
  return `\`\`\`\n${code.replace(/```/g, '`\u200b``')}\n\`\`\``;
}

function safeFilename(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 100) || 'file.txt';
}

function buttonStyle(
  style: ChatButton['style'],
): ButtonStyle.Primary | ButtonStyle.Danger | ButtonStyle.Secondary {
  if (style === 'primary') return ButtonStyle.Primary;
  if (style === 'danger') return ButtonStyle.Danger;
  return ButtonStyle.Secondary;
}

/**
 * Buttons in action rows (5 per row, 5 rows). `customId` maps a ChatButton id to what Discord carries (at most
 * 100 characters); buttons beyond 25 cannot be shown and are named in the returned note instead.
 */
export function actionRows(
  buttons: ChatButton[],
  customId: (button: ChatButton) => string,
): { rows: APIActionRowComponent<APIComponentInMessageActionRow>[]; dropped: string[] } {
  const max = DISCORD_LIMITS.buttonsPerRow * DISCORD_LIMITS.rows;
  const rows: APIActionRowComponent<APIComponentInMessageActionRow>[] = [];
  for (let i = 0; i < Math.min(buttons.length, max); i += DISCORD_LIMITS.buttonsPerRow) {
    const components: APIButtonComponentWithCustomId[] = buttons
      .slice(i, Math.min(i + DISCORD_LIMITS.buttonsPerRow, max))
      .map((b) => ({
        type: ComponentType.Button,
        custom_id: customId(b),
        label: clip(b.label, DISCORD_LIMITS.buttonLabel),
        style: buttonStyle(b.style),
      }));
    rows.push({ type: ComponentType.ActionRow, components });
  }
  return { rows, dropped: buttons.slice(max).map((b) => b.label) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v : undefined;
}

/** st2 alias `extra.discord` (embed overrides: color, url, thumbnail/image urls, author). */
function discordExtra(message: ChatMessage): Record<string, unknown> {
  const raw = message.extra?.discord;
  return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}

function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

export function renderMessage(
  message: ChatMessage,
  customId: (button: ChatButton) => string = (b) => b.id,
): RenderedDiscordMessage {
  const files: DiscordFile[] = [];
  const extra = discordExtra(message);
  const status = message.status;

  // content: the pretext (plain text above the embed).
  let content = message.pretext ?? '';
  if (content.length > DISCORD_LIMITS.content) {
    files.push({ filename: 'pretext.txt', content });
    content = tailWithNote(content, DISCORD_LIMITS.content, 'pretext.txt');
  }

  const embed: APIEmbed = {};
  const titleText = message.title ?? str(extra.title);
  const emoji = status ? `${EMOJI[status]} ` : '';
  if (titleText) embed.title = clip(`${emoji}${titleText}`, DISCORD_LIMITS.title);
  const colour = typeof extra.color === 'string' ? Number.parseInt(extra.color.replace(/^#/, ''), 16) : NaN;
  if (Number.isFinite(colour)) embed.color = colour;
  else if (status) embed.color = STATUS_COLOUR[status];
  const url = str(extra.url);
  if (url && embed.title) embed.url = url;

  // description: text, then the code block; whichever does not fit moves to a file.
  let text = message.text ?? '';
  let code = message.code ?? '';
  const fence = 10;
  const budget = DISCORD_LIMITS.description;
  if (text.length + (code ? code.length + fence : 0) > budget) {
    if (code && text.length <= budget / 2) {
      files.push({ filename: 'output.txt', content: code });
      code = tailWithNote(code, budget - text.length - fence - 2, 'output.txt');
    } else {
      files.push({ filename: 'message.txt', content: text });
      text = tailWithNote(text, code ? budget / 2 : budget, 'message.txt');
      if (code && text.length + code.length + fence > budget) {
        files.push({ filename: 'output.txt', content: code });
        code = tailWithNote(code, budget - text.length - fence - 2, 'output.txt');
      }
    }
  }
  // Without a title the status emoji leads the text.
  const lead = !embed.title && emoji ? emoji : '';
  const description = [text.trim() ? `${lead}${text}` : lead.trim(), code ? codeBlock(code) : '']
    .filter(Boolean)
    .join('\n');
  if (description) embed.description = description;

  // Fields take what the 6,000-character embed has left after the description; the ones that do not fit (and
  // any beyond 25) are listed whole in fields.txt, in order.
  const fields = message.fields ?? [];
  const footerParts = [message.footer, str(extra.footer)].filter((x): x is string => !!x);
  const { rows, dropped } = actionRows(message.buttons ?? [], customId);
  if (dropped.length > 0) footerParts.push(`buttons not shown: ${dropped.join(', ')}`);
  const fieldsNote = 'more fields in fields.txt';
  const footerMax = Math.min(DISCORD_LIMITS.footer, DISCORD_LIMITS.embedTotal - embedLength(embed) - 50);
  const footerFor = (parts: string[]) => clip(parts.join(' · '), Math.max(1, footerMax));
  let fieldBudget =
    DISCORD_LIMITS.embedTotal - embedLength(embed) - footerFor([...footerParts, fieldsNote]).length - 10;
  const shown: NonNullable<APIEmbed['fields']> = [];
  const rest: typeof fields = [];
  for (const f of fields) {
    if (rest.length > 0 || shown.length >= DISCORD_LIMITS.fields) {
      rest.push(f);
      continue;
    }
    const name = clip(f.title || '\u200b', DISCORD_LIMITS.fieldName);
    const long = f.value.length > DISCORD_LIMITS.fieldValue;
    const filename = safeFilename(`${f.title || 'field'}.txt`);
    const value = long
      ? `${f.value.slice(0, DISCORD_LIMITS.fieldValue - 60)}… (whole value in ${filename})`
      : f.value || '\u200b';
    if (name.length + value.length > fieldBudget) {
      rest.push(f);
      continue;
    }
    if (long) files.push({ filename, content: f.value });
    fieldBudget -= name.length + value.length;
    shown.push({ name, value, inline: f.short === true });
  }
  if (shown.length > 0) embed.fields = shown;
  if (rest.length > 0) {
    files.push({ filename: 'fields.txt', content: rest.map((f) => `${f.title}: ${f.value}`).join('\n') });
    footerParts.push(fieldsNote);
  }
  if (footerParts.length > 0) embed.footer = { text: footerFor(footerParts) };
  const image = str(extra.image_url);
  if (image) embed.image = { url: image };
  const thumb = str(extra.thumb_url);
  if (thumb) embed.thumbnail = { url: thumb };

  if (message.attachment)
    files.push({ filename: safeFilename(message.attachment.filename), content: message.attachment.content });

  const hasEmbed = Object.keys(embed).length > 0;
  if (!content && !hasEmbed) content = '\u200b';
  return {
    body: {
      content,
      embeds: hasEmbed ? [embed] : [],
      components: rows,
      allowed_mentions: { parse: [] },
    },
    files,
  };
}

/** All visible text of a rendered body (logs, tests). */
export function plainText(body: Pick<DiscordMessageBody, 'content' | 'embeds'>): string {
  const parts = [body.content];
  for (const e of body.embeds) {
    parts.push(e.title ?? '', e.description ?? '');
    for (const f of e.fields ?? []) parts.push(f.name, f.value);
    parts.push(e.footer?.text ?? '');
  }
  return parts.filter(Boolean).join('\n');
}
