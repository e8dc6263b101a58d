/**
 * Pure parts of the Discord adapter: embed rendering within Discord's limits (nothing cut silently: the rest is
 * a file) and HTTP-interaction signatures (Ed25519, window, replay cache).
 */
import { describe, expect, it } from 'vitest';
import { DISCORD_LIMITS, plainText, renderMessage, STATUS_COLOUR } from '../../adapters/discord/embeds.ts';
import {
  discordPublicKey,
  InteractionReplayCache,
  verifyDiscordSignature,
} from '../../adapters/discord/interaction-signature.ts';
import { DiscordSigner } from '../fakes/discord.ts';

function embedTotal(e: {
  title?: string;
  description?: string;
  footer?: { text: string };
  fields?: Array<{ name: string; value: string }>;
}) {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

describe('Discord embeds', () => {
  it('status colour, emoji title, pretext as content, fields, footer, code block, no mentions', () => {
    const { body, files } = renderMessage({
      pretext: 'heads up @everyone',
      title: 'deploy finished',
      text: 'all good',
      status: 'failed',
      fields: [{ title: 'execution', value: 'ex-1', short: true }],
      code: 'a ``` b',
      footer: 'took 3s',
    });
    expect(files).toEqual([]);
    expect(body.content).toBe('heads up @everyone');
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const e = body.embeds[0]!;
    expect(e.color).toBe(STATUS_COLOUR.failed);
    expect(e.title).toBe('❌ deploy finished');
    expect(e.description).toContain('all good');
    // Backticks in output cannot close the code block early.
    expect(e.description).toMatch(/^all good\n```\na `\u200b`` b\n```$/);
    expect(e.fields).toEqual([{ name: 'execution', value: 'ex-1', inline: true }]);
    expect(e.footer?.text).toBe('took 3s');
  });

  it('without a title the status emoji leads the text; an empty message still has content', () => {
    expect(renderMessage({ text: 'done', status: 'succeeded' }).body.embeds[0]?.description).toBe('✅ done');
    expect(renderMessage({ text: '' }).body.content).toBe('\u200b');
  });

  it('long text and code: tails shown with a note, whole texts as files, description within 4,096', () => {
    const code = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n');
    const r = renderMessage({ text: 'x'.repeat(5000), code });
    const e = r.body.embeds[0]!;
    expect(e.description!.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(r.files.map((f) => f.filename).sort()).toEqual(['message.txt', 'output.txt']);
    expect(r.files.find((f) => f.filename === 'output.txt')?.content).toBe(code);
    expect(e.description).toContain('line 1999');
    expect(e.description).toContain('attached as output.txt');
  });

  it('fields take what the 6,000-character embed leaves; long values and the rest go to files, in order', () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({
      title: `f${i}`,
      value: 'v'.repeat(i === 0 ? 3000 : 900),
    }));
    const r = renderMessage({ title: 't', text: 'y'.repeat(3000), fields });
    const e = r.body.embeds[0]!;
    expect(embedTotal(e)).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
    expect(e.description).toBe('y'.repeat(3000));
    const shown = e.fields!.map((f) => f.name);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(fields.slice(0, shown.length).map((f) => f.title));
    expect(e.fields!.every((f) => f.value.length <= DISCORD_LIMITS.fieldValue)).toBe(true);
    expect(r.files.find((f) => f.filename === 'f0.txt')?.content).toHaveLength(3000);
    const rest = r.files.find((f) => f.filename === 'fields.txt')!.content;
    expect(rest.split('\n')).toHaveLength(30 - shown.length);
    expect(rest).toContain(`f29: ${'v'.repeat(900)}`);
    expect(e.footer?.text).toContain('fields.txt');
  });

  it('at most 25 fields even when they are short', () => {
    const r = renderMessage({
      text: 'x',
      fields: Array.from({ length: 30 }, (_, i) => ({ title: `f${i}`, value: 'v' })),
    });
    expect(r.body.embeds[0]!.fields).toHaveLength(25);
    expect(r.files[0]?.content).toBe(['f25', 'f26', 'f27', 'f28', 'f29'].map((f) => `${f}: v`).join('\n'));
  });

  it('a long pretext moves to a file, content within 2,000', () => {
    const r = renderMessage({ pretext: 'p'.repeat(2500), text: 'body' });
    expect(r.body.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
    expect(r.files[0]).toMatchObject({ filename: 'pretext.txt' });
  });

  it('buttons: rows of 5 (styles mapped), at most 25; the rest named in the footer', () => {
    const buttons = Array.from({ length: 27 }, (_, i) => ({
      id: `b${i}`,
      label: `B${i}`,
      value: '',
      ...(i === 0 ? { style: 'primary' as const } : i === 1 ? { style: 'danger' as const } : {}),
    }));
    const r = renderMessage({ text: 'pick', buttons });
    expect(r.body.components).toHaveLength(5);
    expect(r.body.components.map((row) => row.components.length)).toEqual([5, 5, 5, 5, 5]);
    const first = r.body.components[0]!.components;
    expect(first.map((c) => ('style' in c ? c.style : undefined)).slice(0, 3)).toEqual([1, 4, 2]);
    expect(r.body.embeds[0]?.footer?.text).toContain('buttons not shown: B25, B26');
    expect(plainText(r.body)).toContain('pick');
  });
});

describe('Discord interaction signatures', () => {
  const signer = new DiscordSigner();
  const key = discordPublicKey(signer.publicKey);
  const now = Date.now();
  const ts = String(Math.floor(now / 1000));
  const raw = '{"id":"1","type":1}';

  it('accepts a good signature and rejects bad, missing, malformed, stale and future ones', () => {
    const signature = signer.signature(ts, raw);
    expect(verifyDiscordSignature(key, { signature, timestamp: ts }, Buffer.from(raw), now)).toEqual({
      ok: true,
    });
    expect(verifyDiscordSignature(key, { signature, timestamp: ts }, Buffer.from(`${raw} `), now).ok).toBe(
      false,
    );
    expect(verifyDiscordSignature(key, { timestamp: ts }, Buffer.from(raw), now).ok).toBe(false);
    expect(verifyDiscordSignature(key, { signature: 'zz', timestamp: ts }, Buffer.from(raw), now).ok).toBe(
      false,
    );
    const old = String(Math.floor(now / 1000) - 301);
    expect(
      verifyDiscordSignature(
        key,
        { signature: signer.signature(old, raw), timestamp: old },
        Buffer.from(raw),
        now,
      ),
    ).toEqual({ ok: false, reason: 'X-Signature-Timestamp outside ±300 s' });
    const future = String(Math.floor(now / 1000) + 301);
    expect(
      verifyDiscordSignature(
        key,
        { signature: signer.signature(future, raw), timestamp: future },
        Buffer.from(raw),
        now,
      ).ok,
    ).toBe(false);
    const other = new DiscordSigner();
    expect(
      verifyDiscordSignature(
        key,
        { signature: other.signature(ts, raw), timestamp: ts },
        Buffer.from(raw),
        now,
      ).ok,
    ).toBe(false);
  });

  it('the replay cache refuses an id seen within the window and forgets it afterwards', () => {
    const cache = new InteractionReplayCache(1000);
    expect(cache.remember('a', 0)).toBe(true);
    expect(cache.remember('a', 500)).toBe(false);
    expect(cache.remember('b', 500)).toBe(true);
    expect(cache.remember('a', 1501)).toBe(true);
  });

  it('a public key must be 64 hex characters', () => {
    expect(() => discordPublicKey('abc')).toThrow(/64 hex/);
  });
});
