/**
 * ChatMessage → Slack message (Block Kit). The headline (pretext, status emoji + title, or the text) sits in
 * top-level blocks; the body (text, fields, code, footer, buttons) sits in an attachment whose `color` draws the
 * status bar. Nothing is cut silently: what does not fit Slack's limits (3,000 characters per section, 2,000 per
 * field, 40,000 per message) is shown as its tail with a note and returned as `overflow` files, which the
 * adapter uploads into the message's thread.
 */
import type { ChatMessage, ChatStatus } from '../../bot/chat-adapter.ts';

export const SLACK_LIMITS = {
  section: 3000,
  field: 2000,
  fieldsPerSection: 10,
  buttonsPerActions: 25,
  buttonLabel: 75,
  buttonValue: 2000,
  actionId: 255,
  /** Characters of text shown in the message before the rest moves to a file. */
  textBudget: 12_000,
  /** Characters of code shown in the message before the rest moves to a file. */
  codeBudget: 12_000,
  /** What `text` (the notification / fallback) may hold. */
  fallback: 3000,
} as const;

const EMOJI: Record<ChatStatus, string> = {
  info: ':information_source:',
  running: ':hourglass_flowing_sand:',
  pending: ':raised_hand:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  warning: ':warning:',
};

const STATUS_LABEL: Record<ChatStatus, string> = {
  info: 'info',
  running: 'running',
  pending: 'waiting',
  succeeded: 'succeeded',
  failed: 'failed',
  warning: 'warning',
};

const COLOUR: Record<ChatStatus, string> = {
  info: '#439fe0',
  running: '#439fe0',
  pending: '#daa038',
  succeeded: '#2eb886',
  failed: '#a30200',
  warning: '#daa038',
};

export type Block = Record<string, unknown> & { type: string };

export interface SlackAttachment {
  color?: string;
  fallback?: string;
  blocks: Block[];
}

export interface SlackPayload {
  text: string;
  blocks?: Block[];
  attachments?: SlackAttachment[];
}

/** Content too long for the message: uploaded as a file in the message's thread. */
export interface Overflow {
  filename: string;
  content: string;
  comment: string;
}

export interface RenderedMessage {
  payload: SlackPayload;
  overflow: Overflow[];
}

/** Escapes Slack's control characters in untrusted text (output, field values): no links, no @channel. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Template text is Slack mrkdwn on purpose (links `<url|label>`, user mentions), but broadcast mentions
 * (`<!channel>`, `<!here>`, `<!subteam^…>`) could be smuggled in through command arguments: those are defused.
 */
export function defuseBroadcasts(text: string): string {
  return text.replace(/<!/g, '&lt;!');
}

/** Splits on line boundaries into pieces of at most `max` characters (long lines are split hard). */
export function chunkText(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    let rest = line;
    while (rest.length > max) {
      if (current) {
        chunks.push(current);
        current = '';
      }
      chunks.push(rest.slice(0, max));
      rest = rest.slice(max);
    }
    const joined = current ? `${current}\n${rest}` : rest;
    if (joined.length > max) {
      chunks.push(current);
      current = rest;
    } else current = joined;
  }
  if (current) chunks.push(current);
  return chunks;
}

function mrkdwnSection(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function plain(text: string, max: number): { type: 'plain_text'; text: string; emoji: true } {
  return { type: 'plain_text', text: text.length > max ? `${text.slice(0, max - 1)}…` : text, emoji: true };
}

/** The tail of `text` in `budget` characters, preceded by a note on what moved to the file. */
function tailWithNote(text: string, budget: number, filename: string): string {
  const note = `… ${text.length} characters in total: the whole text is in the file ${filename} …\n`;
  let start = text.length - (budget - note.length);
  const newline = text.indexOf('\n', start);
  if (newline >= 0 && newline - start < 200) start = newline + 1;
  return `${note}${text.slice(start)}`;
}

function codeSections(code: string): Block[] {
  const safe = escapeMrkdwn(code).replace(/```/g, '`\u200b``');
  // Escaping may lengthen the text: chunk after escaping, leave room for the fences.
  return chunkText(safe, SLACK_LIMITS.section - 8).map((c) => mrkdwnSection(`\`\`\`${c}\`\`\``));
}

interface SlackExtra {
  color?: string;
  pretext?: string;
  title?: string;
  title_link?: string;
  text?: string;
  fields?: Array<{ title?: string; value?: unknown; short?: boolean }>;
  author_name?: string;
  author_link?: string;
  author_icon?: string;
  image_url?: string;
  thumb_url?: string;
  footer?: string;
  fallback?: string;
}

/** st2's `extra.slack` (attachment fields) from alias ack/result `extra`. */
export function slackExtra(message: ChatMessage): SlackExtra {
  const raw = message.extra?.slack;
  return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as SlackExtra) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v : undefined;
}

export function renderMessage(message: ChatMessage): RenderedMessage {
  const extra = slackExtra(message);
  const overflow: Overflow[] = [];
  const status = message.status;
  const emoji = status ? `${EMOJI[status]} ` : '';
  const pretext = message.pretext ?? str(extra.pretext);
  const title = message.title ?? str(extra.title);
  const titleLink = str(extra.title_link);
  const fullText = [message.text, str(extra.text)].filter((t): t is string => !!t && !!t.trim()).join('\n');

  // Text: shown up to the budget, the rest in a file.
  let shownText = fullText;
  if (fullText.length > SLACK_LIMITS.textBudget) {
    overflow.push({ filename: 'message.txt', content: fullText, comment: 'The whole message' });
    shownText = tailWithNote(fullText, SLACK_LIMITS.textBudget, 'message.txt');
  }
  const textSections = shownText ? chunkText(defuseBroadcasts(shownText), SLACK_LIMITS.section) : [];

  const colour = str(extra.color) ?? (status ? COLOUR[status] : undefined);
  const head: Block[] = [];
  if (pretext)
    for (const c of chunkText(defuseBroadcasts(pretext), SLACK_LIMITS.section)) head.push(mrkdwnSection(c));
  if (title) {
    const shownTitle = titleLink ? `<${titleLink}|${escapeMrkdwn(title)}>` : defuseBroadcasts(title);
    head.push(mrkdwnSection(`${emoji}*${shownTitle}*`));
  } else if (status) {
    // A status line above the colour bar (the body, text included, sits inside it).
    head.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${emoji}*${STATUS_LABEL[status]}*` }] });
  }
  const bodyText = textSections;

  const body: Block[] = [];
  const author = str(extra.author_name);
  if (author) {
    const link = str(extra.author_link);
    const icon = str(extra.author_icon);
    body.push({
      type: 'context',
      elements: [
        ...(icon ? [{ type: 'image', image_url: icon, alt_text: author }] : []),
        { type: 'mrkdwn', text: link ? `<${link}|${escapeMrkdwn(author)}>` : escapeMrkdwn(author) },
      ],
    });
  }
  const thumb = str(extra.thumb_url);
  bodyText.forEach((c, i) => {
    const block = mrkdwnSection(c);
    if (i === 0 && thumb) block.accessory = { type: 'image', image_url: thumb, alt_text: 'thumbnail' };
    body.push(block);
  });

  const fields = [
    ...(message.fields ?? []),
    ...(Array.isArray(extra.fields)
      ? extra.fields.map((f) => ({
          title: String(f.title ?? ''),
          value: String(f.value ?? ''),
          short: f.short,
        }))
      : []),
  ];
  const fieldTexts = fields.map((f) => {
    const head = f.title ? `*${escapeMrkdwn(f.title)}*\n` : '';
    const value = escapeMrkdwn(f.value);
    if (head.length + value.length <= SLACK_LIMITS.field) return `${head}${value}`;
    const filename = `${(f.title || 'field').replace(/[^\w.-]+/g, '_')}.txt`;
    overflow.push({ filename, content: f.value, comment: `The whole "${f.title}" field` });
    return `${head}${value.slice(0, SLACK_LIMITS.field - head.length - 60)}… (whole value in ${filename})`;
  });
  for (let i = 0; i < fieldTexts.length; i += SLACK_LIMITS.fieldsPerSection)
    body.push({
      type: 'section',
      fields: fieldTexts
        .slice(i, i + SLACK_LIMITS.fieldsPerSection)
        .map((text) => ({ type: 'mrkdwn', text })),
    });

  if (message.code) {
    let code = message.code;
    if (code.length > SLACK_LIMITS.codeBudget) {
      overflow.push({ filename: 'output.txt', content: code, comment: 'The whole output' });
      code = tailWithNote(code, SLACK_LIMITS.codeBudget, 'output.txt');
    }
    body.push(...codeSections(code));
  }

  const image = str(extra.image_url);
  if (image) body.push({ type: 'image', image_url: image, alt_text: title ?? 'image' });

  if (message.attachment)
    overflow.push({
      filename: message.attachment.filename,
      content: message.attachment.content,
      comment: 'The whole output',
    });

  const footer = [message.footer, str(extra.footer)].filter(Boolean).join(' · ');
  if (footer) body.push({ type: 'context', elements: [{ type: 'mrkdwn', text: defuseBroadcasts(footer) }] });

  const buttons = (message.buttons ?? []).map((b) => ({
    type: 'button',
    action_id: b.id.slice(0, SLACK_LIMITS.actionId),
    text: plain(b.label, SLACK_LIMITS.buttonLabel),
    value: b.value,
    ...(b.style ? { style: b.style } : {}),
  }));
  for (let i = 0; i < buttons.length; i += SLACK_LIMITS.buttonsPerActions)
    body.push({
      type: 'actions',
      block_id: `squall_actions_${i / SLACK_LIMITS.buttonsPerActions}`,
      elements: buttons.slice(i, i + SLACK_LIMITS.buttonsPerActions),
    });

  const fallbackFull =
    str(extra.fallback) ?? ([pretext, title, fullText].filter(Boolean).join('\n') || emoji.trim() || ' ');
  const fallback =
    fallbackFull.length > SLACK_LIMITS.fallback
      ? `${fallbackFull.slice(0, SLACK_LIMITS.fallback - 1)}…`
      : fallbackFull;

  const payload: SlackPayload = { text: fallback };
  if (!colour) {
    // A plain message: everything in top-level blocks, no attachment.
    const blocks = [...head, ...body];
    if (blocks.length > 0) payload.blocks = blocks;
    return { payload, overflow };
  }
  // Top-level blocks keep the fallback `text` from being shown above the colour bar; with nothing to show there
  // (only an extra.slack colour), the attachment's `fallback` serves notifications, as st2's attachments did.
  if (head.length > 0) payload.blocks = head;
  else payload.text = '';
  if (body.length > 0) {
    const normalisedColour = colour && /^[0-9a-f]{6}$/i.test(colour) ? `#${colour}` : colour;
    payload.attachments = [
      { ...(normalisedColour ? { color: normalisedColour } : {}), fallback, blocks: body },
    ];
  }
  return { payload, overflow };
}
