import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../engine/packs/discover.ts';
import { validatePackDir } from '../../engine/packs/validate-pack.ts';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/packs');
const BUILTIN = join(ROOT, 'packs');
const COMPAT = join(ROOT, '../shared/compat/st2');

describe('validatePackDir', () => {
  it('returns every problem of a broken pack, errors included', () => {
    const problems = validatePackDir(join(FIXTURES, 'broken-content'), { builtinDir: BUILTIN });
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(15);
    expect(problems.every((p) => p.file.startsWith(join(FIXTURES, 'broken-content')))).toBe(true);
    expect(errors).toContainEqual(
      expect.objectContaining({
        file: join(FIXTURES, 'broken-content/actions/bad_param_type.yaml'),
        path: '/parameters/cmd/type',
        line: 6,
      }),
    );
    // References are resolved against the built-in packs: core.local exists, so no warning for it.
    expect(problems.filter((p) => p.path === '/action/ref')).toEqual([]);
  });

  it('returns the pack.yaml problems when the pack cannot load', () => {
    const problems = validatePackDir(join(FIXTURES, 'broken-packyaml'), { builtinDir: false });
    expect(problems.map((p) => p.severity)).toEqual(['error', 'error', 'error']);
  });

  it('without built-in packs, references to them are warnings', () => {
    const problems = validatePackDir(join(COMPAT, 'hello_st2'), { builtinDir: false });
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(problems).toContainEqual(
      expect.objectContaining({ path: '/resource_ref', message: expect.stringContaining('"core.http"') }),
    );
    // By default references resolve against the repo's built-in packs.
    expect(validatePackDir(join(COMPAT, 'hello_st2')).map((p) => p.path)).toEqual([
      '/entry_point', // Python sensor
    ]);
  });

  it('a built-in pack validates clean against the others', () => {
    expect(validatePackDir(join(BUILTIN, 'examples'), { builtinDir: BUILTIN })).toEqual([]);
  });
});

describe('built-in packs', () => {
  it('load together with no errors; warnings only for st2 content Squall cannot run', () => {
    const registry = loadRegistry({ builtinDir: BUILTIN });
    expect(registry.problems.filter((p) => p.severity === 'error')).toEqual([]);
    for (const p of registry.problems) {
      expect(p.message).toMatch(/is not available in Squall|Python sensor|\.py" not found/);
    }
    expect([...registry.packs.keys()]).toEqual(
      expect.arrayContaining(['core', 'linux', 'chatops', 'examples']),
    );
  });

  it('examples: webhook rule, disabled interval timer rule, greet action with its alias', () => {
    const registry = loadRegistry({ builtinDir: BUILTIN });
    expect(registry.getRule('examples.sample')).toMatchObject({
      enabled: true,
      trigger: { type: 'core.st2.webhook', parameters: { url: 'sample' } },
      action: { ref: 'core.echo' },
    });
    expect(registry.getRule('examples.sample_timer')).toMatchObject({
      enabled: false,
      trigger: { type: 'core.st2.IntervalTimer', parameters: { unit: 'minutes', delta: 1 } },
    });
    expect(registry.getAction('examples.greet')).toMatchObject({ runner_type: 'local-shell-cmd' });
    expect(registry.getAlias('examples.greet')).toMatchObject({
      action_ref: 'examples.greet',
      formats: ['greet {{name=world}}'],
      builtin: true,
    });
    expect(registry.rulesForTrigger('core.st2.IntervalTimer')).toEqual([]);
  });
});
