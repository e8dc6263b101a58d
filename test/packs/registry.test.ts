import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAllPacks, loadRegistry } from '../../engine/packs/discover.ts';
import { Registry } from '../../engine/packs/registry.ts';

let root: string;

/** Writes `files` (path -> content) under root. */
function write(files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

const packYaml = (name: string, extra = '') =>
  `name: ${name}\ndescription: test pack ${name}\nversion: 1.0.0\nauthor: tests\n${extra}`;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'squall-registry-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('pack discovery and the registry', () => {
  beforeEach(() => {
    write({
      'builtin/alpha/pack.yaml': packYaml('alpha'),
      'builtin/alpha/actions/hello.yaml': 'name: hello\nrunner_type: noop\n',
      'builtin/beta/pack.yaml': packYaml('beta'),
      'builtin/beta/actions/b.yaml': 'name: b\nrunner_type: noop\n',
      'builtin/beta/aliases/b.yaml': 'name: b\naction_ref: beta.b\nformats: ["b"]\n',
      'user1/alpha/pack.yaml': packYaml('alpha'),
      'user1/alpha/actions/mine.yaml': 'name: mine\nrunner_type: noop\n',
      'user1/gamma/pack.yaml': packYaml('gamma'),
      'user1/gamma/actions/g.yaml': 'name: g\nrunner_type: noop\n',
      'user1/gamma/rules/on_hook.yaml': [
        'name: on_hook',
        'enabled: true',
        'trigger: {type: core.st2.webhook, parameters: {url: gamma}}',
        'action: {ref: gamma.g}',
        '',
      ].join('\n'),
      'user1/gamma/rules/quiet.yaml':
        'name: quiet\ntrigger: {type: core.st2.webhook, parameters: {url: g2}}\naction: {ref: gamma.g}\n',
      'user1/gamma/policies/retry.yaml':
        'name: retry\nresource_ref: gamma.g\npolicy_type: action.retry\nparameters: {retry_on: failure}\n',
      'user1/notapack/README.md': 'no pack.yaml here',
      'user2/gamma/pack.yaml': packYaml('gamma'),
      'user2/gamma/actions/other.yaml': 'name: other\nrunner_type: noop\n',
      'single/pack.yaml': packYaml('single'),
    });
  });

  it('a user pack with the name of a built-in pack replaces it, with a warning', () => {
    const registry = loadRegistry({ builtinDir: join(root, 'builtin'), paths: [join(root, 'user1')] });
    expect(registry.getPack('alpha')!.builtin).toBe(false);
    expect(registry.getAction('alpha.mine')).toBeDefined();
    expect(registry.getAction('alpha.hello')).toBeUndefined();
    expect(registry.getPack('beta')!.builtin).toBe(true);
    expect(registry.getAlias('beta.b')!.builtin).toBe(true);
    expect(registry.problems).toContainEqual({
      pack: 'alpha',
      file: join(root, 'user1/alpha/pack.yaml'),
      message: expect.stringContaining('replaces the built-in pack of the same name'),
      severity: 'warning',
    });
    expect(registry.hasErrors()).toBe(false);
  });

  it('the first user path wins for two user packs with the same ref', () => {
    const { packs, problems } = loadAllPacks({
      paths: [join(root, 'user1'), join(root, 'user2'), join(root, 'single')],
    });
    expect(packs.map((p) => p.metadata.ref)).toEqual(['alpha', 'gamma', 'single']);
    expect(packs.find((p) => p.metadata.ref === 'gamma')!.path).toBe(join(root, 'user1/gamma'));
    expect(problems).toEqual([
      expect.objectContaining({
        file: join(root, 'user2/gamma/pack.yaml'),
        severity: 'warning',
        message: expect.stringContaining('earlier pack path wins'),
      }),
    ]);
  });

  it('reports a missing pack path as a warning', () => {
    const { problems } = loadAllPacks({ paths: [join(root, 'nope')] });
    expect(problems).toEqual([expect.objectContaining({ severity: 'warning', file: join(root, 'nope') })]);
  });

  it('maps everything by ref, including built-in trigger types', () => {
    const registry = loadRegistry({ builtinDir: join(root, 'builtin'), paths: [join(root, 'user1')] });
    expect(registry.getTriggerType('core.st2.webhook')).toMatchObject({ pack: 'core', name: 'st2.webhook' });
    expect(registry.getTriggerType('core.st2.CronTimer')!.parameters_schema).toBeDefined();
    expect(registry.getPolicy('gamma.retry')).toMatchObject({ resource_ref: 'gamma.g' });
    expect(registry.policiesFor('gamma.g').map((p) => p.ref)).toEqual(['gamma.retry']);
    expect(registry.listActions('gamma').map((a) => a.ref)).toEqual(['gamma.g']);
    expect(registry.rulesForTrigger('core.st2.webhook').map((r) => r.ref)).toEqual(['gamma.on_hook']);
  });

  it('rule enable/disable overrides win over the YAML and can be persisted and restored', () => {
    const registry = loadRegistry({ paths: [join(root, 'user1')] });
    // st2 rules are disabled unless `enabled: true`.
    expect(registry.isRuleEnabled('gamma.quiet')).toBe(false);
    expect(registry.setRuleEnabled('gamma.quiet', true)).toBe(true);
    expect(registry.setRuleEnabled('gamma.nope', true)).toBe(false);
    expect(registry.setRuleEnabled('gamma.on_hook', false)).toBe(true);
    expect(registry.getRule('gamma.quiet')!.enabled).toBe(true);
    expect(registry.rulesForTrigger('core.st2.webhook').map((r) => r.ref)).toEqual(['gamma.quiet']);
    const saved = Object.fromEntries(registry.ruleOverrides);
    expect(saved).toEqual({ 'gamma.quiet': true, 'gamma.on_hook': false });

    const reloaded = loadRegistry({ paths: [join(root, 'user1')], ruleOverrides: saved });
    expect(reloaded.listRules().map((r) => [r.ref, r.enabled])).toEqual([
      ['gamma.on_hook', false],
      ['gamma.quiet', true],
    ]);
    reloaded.clearRuleOverride('gamma.on_hook');
    expect(reloaded.isRuleEnabled('gamma.on_hook')).toBe(true);
  });

  it('checks rule trigger parameters against a pack trigger type and flags unknown references', () => {
    write({
      'user3/delta/pack.yaml': packYaml('delta'),
      'user3/delta/triggers/ping.yaml': [
        'name: ping',
        'parameters_schema:',
        '  type: object',
        '  properties:',
        '    host: {type: string, required: true}',
        '  additionalProperties: false',
        '',
      ].join('\n'),
      'user3/delta/rules/good.yaml':
        'name: good\ntrigger: {type: delta.ping, parameters: {host: a}}\naction: {ref: core.noop}\n',
      'user3/delta/rules/bad.yaml':
        'name: bad\ntrigger: {type: delta.ping, parameters: {hots: a}}\naction: {ref: core.noop}\n',
      'user3/delta/rules/unknown.yaml':
        'name: unknown\ntrigger: {type: nowhere.thing}\naction: {ref: delta.missing}\n',
      'user3/delta/aliases/a.yaml': 'name: a\naction_ref: delta.missing\nformats: ["a"]\n',
    });
    const registry = loadRegistry({ paths: [join(root, 'user3')] });
    expect(registry.getRule('delta.good')).toBeDefined();
    expect(registry.getRule('delta.bad')).toBeUndefined();
    expect(registry.getRule('delta.unknown')).toBeDefined();
    const bad = join(root, 'user3/delta/rules/bad.yaml');
    const byFile = (file: string) =>
      registry.problems.filter((p) => p.file === join(root, 'user3/delta', file));
    expect(
      registry.problems.filter((p) => p.file === bad).map((p) => [p.severity, p.path, p.message]),
    ).toEqual([
      ['error', '/trigger/parameters/host', expect.stringContaining('missing required field "host"')],
      ['error', '/trigger/parameters/hots', expect.stringContaining('unknown field "hots"')],
    ]);
    expect(byFile('rules/unknown.yaml').map((p) => [p.severity, p.path, p.line])).toEqual([
      ['warning', '/trigger/type', 2],
      ['warning', '/action/ref', 3],
    ]);
    expect(byFile('aliases/a.yaml')).toEqual([
      expect.objectContaining({
        severity: 'warning',
        path: '/action_ref',
        message: expect.stringContaining('"delta.missing"'),
      }),
    ]);
    // core.noop is not loaded here either.
    expect(byFile('rules/good.yaml').map((p) => p.path)).toEqual(['/action/ref']);
  });

  it('ignores a pack trigger type that shadows a built-in one', () => {
    write({
      'user4/core/pack.yaml': packYaml('core'),
      'user4/core/triggers/webhook.yaml': 'name: st2.webhook\n',
    });
    const registry = new Registry(loadAllPacks({ paths: [join(root, 'user4')] }).packs);
    expect(registry.getTriggerType('core.st2.webhook')!.parameters_schema).toMatchObject({
      required: ['url'],
    });
    expect(registry.problems).toContainEqual(
      expect.objectContaining({ message: expect.stringContaining('is built in') }),
    );
  });
});

describe('loadAllPacks precedence', () => {
  it('drops a built-in pack that a user pack replaces, with one warning', () => {
    write({
      'builtin/alpha/pack.yaml': packYaml('alpha'),
      'user/alpha/pack.yaml': packYaml('alpha'),
    });
    const { packs, problems } = loadAllPacks({
      builtinDir: join(root, 'builtin'),
      paths: [join(root, 'user')],
    });
    expect(packs.map((p) => [p.metadata.ref, p.builtin])).toEqual([['alpha', false]]);
    expect(problems).toEqual([
      expect.objectContaining({ file: join(root, 'user/alpha/pack.yaml'), severity: 'warning' }),
    ]);
    const registry = loadRegistry({ builtinDir: join(root, 'builtin'), paths: [join(root, 'user')] });
    expect(registry.problems.filter((p) => p.message.includes('replaces the built-in'))).toHaveLength(1);
  });

  it('reads names the way PyYAML does: `name: off` is a boolean, so the rule is rejected', () => {
    write({
      'user/p/pack.yaml': packYaml('p'),
      'user/p/rules/off.yaml':
        'name: off\ntrigger: {type: core.st2.webhook, parameters: {url: a}}\naction: {ref: core.noop}\n',
    });
    const { packs } = loadAllPacks({ paths: [join(root, 'user')] });
    expect(packs[0]!.rules).toEqual([]);
    expect(packs[0]!.problems).toEqual([
      expect.objectContaining({ path: '/name', line: 1, message: 'expected string, got boolean false' }),
    ]);
  });
});
