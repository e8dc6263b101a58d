import { describe, expect, it } from 'vitest';
import { inquiryChoices, replyResponse } from '../../bot/approvals.ts';
import type { BotConfig } from '../../bot/bot-config.ts';
import type { IncomingMessage } from '../../bot/chat-adapter.ts';
import { commandText } from '../../bot/command-text.ts';
import { identityKey, resolveIdentity } from '../../bot/identity.ts';
import { decideAlias } from '../../bot/permissions.ts';
import { RateLimiter } from '../../bot/rate-limiter.ts';
import { renderAck, renderResult } from '../../bot/render/result-message.ts';
import { splitMessage } from '../../bot/render/split-message.ts';
import { tail } from '../../bot/render/truncate.ts';
import { Rbac } from '../../engine/auth/rbac.ts';
import type { AliasDefinition } from '../../engine/model/alias.ts';
import type { ExecutionRecord } from '../../engine/model/execution.ts';

const rbac = new Rbac({
  users: { alice: { roles: ['operator'] }, bob: { roles: ['web'] }, vic: { roles: ['viewer'] } },
  roles: { web: { grants: ['run'], packs: ['web'] } },
});
const config: BotConfig = {
  prefix: '!',
  defaultRole: '',
  identities: { 'slack:T1:UA': 'alice', 'slack:T1:UB': 'bob', 'discord:U9': 'vic' },
  rateLimitPerMinute: 30,
  roleMappings: { 'discord:G1:role:R1': ['operator'], 'slack:T2:*': ['viewer'] },
};

function alias(over: Partial<AliasDefinition>): AliasDefinition {
  return {
    ref: 'web.deploy',
    name: 'deploy',
    pack: 'web',
    enabled: true,
    action_ref: 'web.deploy',
    formats: ['deploy {{app}}'],
    builtin: false,
    metadata_file: '',
    ...over,
  };
}

describe('identity', () => {
  it.each([
    [{ adapter: 'slack', workspace: 'T1', userId: 'UA' }, 'slack:T1:UA', 'alice', ['operator']],
    [{ adapter: 'slack', workspace: 'T9', userId: 'UA' }, 'slack:T9:UA', undefined, []], // wrong workspace
    [{ adapter: 'discord', userId: 'U9' }, 'discord:U9', 'vic', ['viewer']],
    [
      { adapter: 'discord', workspace: 'G1', userId: 'U5', platformRoles: ['R1'] },
      'discord:G1:U5',
      'discord:G1:U5',
      ['operator'],
    ],
    [{ adapter: 'slack', workspace: 'T2', userId: 'U7' }, 'slack:T2:U7', 'slack:T2:U7', ['viewer']],
    [{ adapter: 'console', userId: 'local' }, 'console:local', 'admin', ['admin']],
  ])('%o → %s', (identity, key, user, roles) => {
    expect(identityKey(identity)).toBe(key);
    const r = resolveIdentity(config, rbac, identity);
    if (user === undefined) expect(r.ok).toBe(false);
    else {
      expect(r.ok && r.principal.user).toBe(user);
      expect(r.ok && r.principal.roles).toEqual(roles);
    }
  });

  it('configuration can take console:local away from the admin', () => {
    const r = resolveIdentity({ ...config, identities: { 'console:local': 'vic' } }, rbac, {
      adapter: 'console',
      userId: 'local',
    });
    expect(r.ok && r.principal.user).toBe('vic');
  });
});

describe('alias × role permission matrix', () => {
  const aliases = [
    alias({}),
    alias({ ref: 'core_chat.run', pack: 'chatops', action_ref: 'core.local', builtin: true }),
    alias({ ref: 'web.restricted', permissions: { users: ['bob'] } }),
    alias({ ref: 'web.roles', permissions: { roles: ['operator'] } }),
    alias({ ref: 'web.ops_channel', permissions: { channels: ['#ops'] } }),
    alias({ ref: 'db.reset', pack: 'db', action_ref: 'db.reset' }),
  ];
  const principals = ['admin', 'alice', 'bob', 'vic'].map((u) => rbac.principal(u));
  // Oracle: admin everything; shell builtin admin only; allow lists; then RBAC (operator any pack, web only pack web).
  const oracle = (a: AliasDefinition, user: string, channel: string): boolean => {
    if (user === 'admin') return true;
    if (a.action_ref === 'core.local') return false;
    if (a.permissions?.users && !a.permissions.users.includes(user)) return false;
    if (a.permissions?.roles && !(user === 'alice')) return false;
    if (a.permissions?.channels && channel !== '#ops') return false;
    if (user === 'vic') return false;
    if (user === 'bob') return a.pack === 'web';
    return true;
  };
  for (const a of aliases)
    for (const p of principals)
      for (const channel of ['C1', '#ops'])
        it(`${a.ref} × ${p.user} in ${channel}`, () => {
          const d = decideAlias(a, p, { channel, identityKey: p.user }, {}, rbac);
          expect(d.allowed).toBe(oracle(a, p.user, channel));
        });

  it('pack allow lists from configuration', () => {
    const d = decideAlias(
      alias({}),
      rbac.principal('alice'),
      { channel: 'C1', identityKey: 'x' },
      { packPermissions: { web: { users: ['bob'] } } },
      rbac,
    );
    expect(d).toEqual({ allowed: false, reason: 'pack web is limited to bob' });
  });
});

describe('command text', () => {
  const m = (text: string, kind: IncomingMessage['kind']): IncomingMessage => ({
    adapter: 'slack',
    kind,
    channel: 'C',
    user: { adapter: 'slack', userId: 'U' },
    text,
  });
  it.each([
    ['!deploy web', 'message', 'deploy web'],
    ['deploy web', 'message', undefined],
    ['deploy web', 'dm', 'deploy web'],
    ['!deploy web', 'dm', 'deploy web'],
    ['  deploy web ', 'slash', 'deploy web'],
    ['!', 'message', undefined],
  ] as const)('%s (%s) → %s', (text, kind, expected) => {
    expect(commandText(m(text, kind), '!')).toBe(expected);
  });
});

describe('rendering', () => {
  it('splits st2 {~} messages', () => {
    expect(splitMessage('A {~} B')).toEqual({ pretext: 'A', text: 'B' });
    expect(splitMessage('all plain {~}')).toEqual({ text: 'all plain' });
    expect(splitMessage('{~} body')).toEqual({ text: 'body' });
    expect(splitMessage('no split')).toEqual({ text: 'no split' });
  });

  it('keeps the tail and says how much it left out', () => {
    const t = tail(`${'a'.repeat(500)}\nlast line`, 100);
    expect(t.text.length).toBeLessThanOrEqual(100);
    expect(t.text.endsWith('last line')).toBe(true);
    expect(t.text).toContain(`${t.omitted} earlier characters not shown`);
    expect(tail('short', 100)).toEqual({ text: 'short', omitted: 0 });
  });

  const record: ExecutionRecord = {
    id: 'e1',
    action: 'web.deploy',
    runner: 'local-shell-cmd',
    status: 'failed',
    parameters: { app: 'web' },
    context: { user: 'alice' },
    result: { stdout: 'out', stderr: 'boom', return_code: 1 },
    log: [],
    start_timestamp: '2026-01-01T00:00:00.000Z',
    end_timestamp: '2026-01-01T00:00:02.000Z',
  };

  it('renders ack templates strictly and reports errors instead of failing', () => {
    const view = { id: 'e1', parameters: { app: 'web' } };
    expect(
      renderAck(alias({ ack: { format: 'deploying {{ execution.parameters.app }}' } }), view, record)!.text,
    ).toBe('deploying web');
    expect(renderAck(alias({ ack: { format: '{{ nope.x }}' } }), view, record)!.text).toContain(
      'Cannot render "format" in field "ack"',
    );
    expect(renderAck(alias({ ack: { enabled: false } }), view, record)).toBeUndefined();
  });

  it('renders results with templates, extra passthrough, and the default layout', () => {
    const view = { id: 'e1', status: 'failed', result: record.result };
    const templated = renderResult(
      alias({
        result: {
          format: 'Deploy {{ execution.status }} {~} {{ execution.result.stderr }}',
          extra: { slack: { color: '{{ "red" if execution.status == "failed" else "green" }}' } },
        },
      }),
      view,
      record,
      { maxTextLength: 4000 },
    )!;
    expect(templated).toMatchObject({
      pretext: 'Deploy failed',
      text: 'boom',
      status: 'failed',
      extra: { slack: { color: 'red' } },
    });
    const plain = renderResult(undefined, view, record, { maxTextLength: 4000, elapsed: 2 })!;
    expect(plain.text).toBe('web.deploy failed after 2.0s');
    expect(plain.code).toBe('out\n--- stderr ---\nboom');
    expect(
      renderResult(alias({ result: { enabled: false } }), view, record, { maxTextLength: 4000 }),
    ).toBeUndefined();
  });
});

describe('approvals: choices and reply commands', () => {
  const yesNo = { type: 'object', properties: { continue: { type: 'boolean', required: true } } };
  const color = { type: 'object', properties: { color: { type: 'string', enum: ['red', 'green'] } } };
  const free = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } } };
  it('buttons for boolean and enum, none for free-form schemas', () => {
    expect(inquiryChoices(yesNo).map((c) => c.response)).toEqual([{ continue: true }, { continue: false }]);
    expect(inquiryChoices(color).map((c) => c.label)).toEqual(['red', 'green']);
    expect(inquiryChoices(free)).toEqual([]);
  });
  it.each([
    [yesNo, 'approve', undefined, { continue: true }],
    [yesNo, 'deny', undefined, { continue: false }],
    [color, 'approve', 'red', { color: 'red' }],
    [free, 'approve', '{"a": "x", "b": 2}', { a: 'x', b: 2 }],
  ] as const)('%j %s %s', (schema, verb, text, expected) => {
    expect(replyResponse(schema, verb, text)).toEqual(expected);
  });
  it('explains what is missing', () => {
    expect(replyResponse(free, 'approve', undefined)).toContain('JSON object');
    expect(replyResponse(color, 'deny', undefined)).toContain('yes/no');
    expect(replyResponse(free, 'approve', '{bad')).toContain('not valid JSON');
  });
});

describe('rate limiter', () => {
  it('allows N per sliding minute per key', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('b')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    now = 60_001;
    expect(limiter.take('a')).toBe(true);
  });
});
