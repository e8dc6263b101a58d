/** Block Kit rendering of ChatMessage (adapters/slack/block-kit.ts), signatures and log scrubbing: pure units. */
import { describe, expect, it } from 'vitest';
import { chunkText, renderMessage, SLACK_LIMITS } from '../../adapters/slack/block-kit.ts';
import { scrubSecrets } from '../../adapters/slack/bolt-logger.ts';
import {
  computeSlackSignature,
  SlackReplayCache,
  verifySlackSignature,
} from '../../adapters/slack/slack-signature.ts';

type AnyBlock = Record<string, unknown> & { type: string };

function allBlocks(r: ReturnType<typeof renderMessage>): AnyBlock[] {
  return [
    ...((r.payload.blocks ?? []) as AnyBlock[]),
    ...((r.payload.attachments?.[0]?.blocks ?? []) as AnyBlock[]),
  ];
}

function texts(r: ReturnType<typeof renderMessage>): string[] {
  const out: string[] = [];
  for (const b of allBlocks(r)) {
    const t = b.text as { text?: string } | undefined;
    if (t?.text) out.push(t.text);
    for (const f of (b.fields ?? []) as Array<{ text: string }>) out.push(f.text);
    for (const e of (b.elements ?? []) as Array<{ text?: unknown }>)
      if (typeof e.text === 'string') out.push(e.text);
  }
  return out;
}

describe('Block Kit rendering', () => {
  it('a plain message is top-level blocks only, with the text as notification fallback', () => {
    const r = renderMessage({ text: 'hello *world*' });
    expect(r.payload.text).toBe('hello *world*');
    expect(r.payload.attachments).toBeUndefined();
    expect(texts(r)).toEqual(['hello *world*']);
    expect(r.overflow).toEqual([]);
  });

  it('status: emoji + title above a colour bar wrapping the body (text, fields, code, footer, buttons)', () => {
    const r = renderMessage({
      title: 'core.local failed',
      text: 'exit code 1',
      status: 'failed',
      fields: [
        { title: 'execution', value: 'ex-9', short: true },
        { title: 'took', value: '1.2s', short: true },
      ],
      code: 'boom',
      footer: 'squall',
      buttons: [{ id: 'retry:ex-9', label: 'Retry', value: 'ex-9', style: 'primary' }],
    });
    expect(r.payload.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: ':x: *core.local failed*' } },
    ]);
    const att = r.payload.attachments![0]!;
    expect(att.color).toBe('#a30200');
    expect(att.blocks.map((b) => b.type)).toEqual(['section', 'section', 'section', 'context', 'actions']);
    expect(texts(r)).toContain('*execution*\nex-9');
    expect(texts(r)).toContain('```boom```');
    const actions = att.blocks.find((b) => b.type === 'actions') as unknown as {
      elements: Array<Record<string, unknown>>;
    };
    expect(actions.elements[0]).toMatchObject({ action_id: 'retry:ex-9', value: 'ex-9', style: 'primary' });
  });

  it('status without a title: a status line, and the text inside the colour bar', () => {
    const r = renderMessage({ text: 'Counted: 3', status: 'succeeded' });
    expect(r.payload.blocks?.[0]).toMatchObject({ type: 'context' });
    expect(texts(r)[0]).toBe(':white_check_mark: *succeeded*');
    expect(r.payload.attachments?.[0]?.color).toBe('#2eb886');
    expect(texts(r)).toContain('Counted: 3');
  });

  it("st2's `{~}` pretext goes above; extra.slack fields, colour, title link, author, image and footer map onto the layout", () => {
    const r = renderMessage({
      pretext: 'Deploy report',
      text: 'all good',
      extra: {
        slack: {
          color: '00ff00',
          title: 'web-1',
          title_link: 'https://ci.example/1',
          fields: [{ title: 'region', value: 'eu', short: true }],
          author_name: 'ci-bot',
          image_url: 'https://ci.example/graph.png',
          footer: 'from st2 alias',
        },
      },
    });
    expect(texts(r)[0]).toBe('Deploy report');
    expect(texts(r)[1]).toBe('*<https://ci.example/1|web-1>*');
    expect(r.payload.attachments?.[0]?.color).toBe('#00ff00');
    expect(texts(r)).toContain('*region*\neu');
    expect(texts(r)).toContain('ci-bot');
    expect(texts(r)).toContain('from st2 alias');
    expect(
      allBlocks(r).some((b) => b.type === 'image' && b.image_url === 'https://ci.example/graph.png'),
    ).toBe(true);
  });

  it('untrusted output cannot ping @channel or open links; template text keeps links but loses broadcasts', () => {
    const r = renderMessage({
      text: 'see <https://x.example|docs> <!channel>',
      code: 'evil <!here> & <https://phish.example|bank> ```',
      status: 'info',
    });
    const all = texts(r).join('\n');
    expect(all).toContain('<https://x.example|docs>');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<!here>');
    expect(all).toContain('&amp; &lt;https://phish.example|bank&gt;');
    // A fence inside output cannot close the code block.
    const code = texts(r).find((t) => t.startsWith('```'))!;
    expect(code.slice(3, -3)).not.toContain('```');
  });

  it('long code: every section within 3,000 characters, the tail shown with a note, the whole text as a file', () => {
    const code = Array.from({ length: 2000 }, (_, i) => `${i}: ${'<'.repeat(10)}`).join('\n');
    const r = renderMessage({ text: 'x', status: 'succeeded', code });
    for (const t of texts(r)) expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.section);
    expect(r.overflow).toEqual([{ filename: 'output.txt', content: code, comment: 'The whole output' }]);
    const shown = texts(r).join('');
    expect(shown).toContain('1999: ');
    expect(shown).toContain('output.txt');
    expect(JSON.stringify(r.payload).length).toBeLessThan(40_000);
  });

  it('code under the budget is split into several sections but shown whole (no file)', () => {
    const code = 'z'.repeat(7000);
    const r = renderMessage({ text: 'x', status: 'running', code });
    expect(r.overflow).toEqual([]);
    const shown = texts(r)
      .filter((t) => t.startsWith('```'))
      .map((t) => t.slice(3, -3))
      .join('');
    expect(shown).toBe(code);
  });

  it('very long text and oversized field values move to files; more than 10 fields / 25 buttons split into blocks', () => {
    const text = 'word '.repeat(5000);
    const r = renderMessage({
      text,
      status: 'info',
      fields: Array.from({ length: 12 }, (_, i) => ({
        title: `f${i}`,
        value: i === 0 ? 'v'.repeat(2500) : 'ok',
      })),
      buttons: Array.from({ length: 30 }, (_, i) => ({
        id: `b${i}`,
        label: `Choice ${i}`,
        value: String(i),
      })),
    });
    expect(r.overflow.map((o) => o.filename).sort()).toEqual(['f0.txt', 'message.txt']);
    expect(r.overflow.find((o) => o.filename === 'f0.txt')?.content).toBe('v'.repeat(2500));
    const blocks = r.payload.attachments![0]!.blocks;
    expect(blocks.filter((b) => b.type === 'actions').map((b) => (b.elements as unknown[]).length)).toEqual([
      25, 5,
    ]);
    expect(blocks.filter((b) => Array.isArray(b.fields)).map((b) => (b.fields as unknown[]).length)).toEqual([
      10, 2,
    ]);
    for (const t of texts(r)) expect(t.length).toBeLessThanOrEqual(SLACK_LIMITS.section);
  });

  it('a bot-provided attachment becomes an overflow file', () => {
    const r = renderMessage({ text: 'done', attachment: { filename: 'ex.txt', content: 'all of it' } });
    expect(r.overflow).toEqual([{ filename: 'ex.txt', content: 'all of it', comment: 'The whole output' }]);
  });

  it('chunkText keeps line boundaries and never exceeds the limit', () => {
    const text = ['a'.repeat(5), 'b'.repeat(12), 'c'.repeat(3)].join('\n');
    const chunks = chunkText(text, 8);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(8);
    expect(chunks.join('').replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
  });
});

describe('Slack signatures', () => {
  const secret = 's3cret';
  const body = Buffer.from('token=x&text=hi');
  const now = 1_800_000_000_000;
  const ts = String(now / 1000);

  it('accepts a fresh v0 signature once; the replay is refused', () => {
    const cache = new SlackReplayCache();
    const signature = computeSlackSignature(secret, ts, body);
    expect(verifySlackSignature(secret, { signature, timestamp: ts }, body, cache, now)).toEqual({
      ok: true,
    });
    expect(verifySlackSignature(secret, { signature, timestamp: ts }, body, cache, now + 1000)).toMatchObject(
      {
        ok: false,
        reason: 'replayed request',
      },
    );
  });

  it('refuses missing headers, non-numeric or out-of-window timestamps, other schemes and random mutations', () => {
    const cache = new SlackReplayCache();
    const good = computeSlackSignature(secret, ts, body);
    const bad = [
      { signature: undefined, timestamp: ts },
      { signature: good, timestamp: undefined },
      { signature: good, timestamp: 'abc' },
      {
        signature: computeSlackSignature(secret, String(now / 1000 - 301), body),
        timestamp: String(now / 1000 - 301),
      },
      {
        signature: computeSlackSignature(secret, String(now / 1000 + 301), body),
        timestamp: String(now / 1000 + 301),
      },
      { signature: good.replace('v0=', 'v1='), timestamp: ts },
      { signature: `${good}00`, timestamp: ts },
    ];
    for (const headers of bad) expect(verifySlackSignature(secret, headers, body, cache, now).ok).toBe(false);
    // Random single-byte mutations of the body or the signature never pass.
    for (let i = 0; i < 500; i++) {
      const mutated = Buffer.from(body);
      mutated[i % mutated.length] = (mutated[i % mutated.length]! + 1 + (i % 200)) % 256;
      expect(verifySlackSignature(secret, { signature: good, timestamp: ts }, mutated, cache, now).ok).toBe(
        false,
      );
      const sig = good.split('');
      const pos = 3 + (i % (sig.length - 3));
      sig[pos] = sig[pos] === 'a' ? 'b' : 'a';
      expect(
        verifySlackSignature(secret, { signature: sig.join(''), timestamp: ts }, body, cache, now).ok,
      ).toBe(false);
    }
  });
});

describe('log scrubbing', () => {
  it('removes bot/app tokens, token fields, tickets and bearer headers from Bolt log lines', () => {
    const line = scrubSecrets(
      'http request body: {"token":"legacy-verif","channel":"C1"} xoxb-123-456-abc xapp-1-A1-xyz ws://h/link/?ticket=abcd&x=1 {"Authorization":"Bearer xoxb-9"}',
    );
    expect(line).not.toMatch(/legacy-verif|xoxb-123|xapp-1-A1|abcd|xoxb-9/);
    expect(line).toContain('"channel":"C1"');
  });
});
