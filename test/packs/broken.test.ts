import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PackProblem } from '../../engine/model/pack.ts';
import { loadAllPacks } from '../../engine/packs/discover.ts';
import { loadPack, tryLoadPack } from '../../engine/packs/load-pack.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/packs');
const BROKEN = join(FIXTURES, 'broken-content');

function find(problems: PackProblem[], file: string, path?: string): PackProblem {
  const hit = problems.find((p) => p.file === join(BROKEN, file) && (path === undefined || p.path === path));
  expect(
    hit,
    `expected a problem for ${file} ${path ?? ''}; got ${JSON.stringify(problems, null, 1)}`,
  ).toBeDefined();
  return hit!;
}

describe('broken pack content', () => {
  const { pack, problems } = tryLoadPack(BROKEN);

  it('still loads the good files of the pack', () => {
    expect(pack).toBeDefined();
    expect(pack!.metadata).toMatchObject({ ref: 'broken_content', version: '0.1.0' });
    expect(pack!.actions.map((a) => a.name).sort()).toEqual(['good', 'python_action', 'workflow']);
    expect(pack!.rules.map((r) => r.name)).toEqual(['good']);
    expect(pack!.aliases.map((a) => a.name)).toEqual(['good']);
    expect(pack!.sensors.map((s) => s.ref)).toEqual(['broken_content.Watcher']);
    expect(pack!.triggerTypes.map((t) => t.ref)).toEqual(['broken_content.changed']);
    expect(pack!.policies.map((p) => p.ref)).toEqual(['broken_content.good']);
    expect(pack!.configSchema).toBeUndefined();
  });

  it('keeps field values: YAML 1.1 booleans, notify spelled st2 style, Squall extensions', () => {
    const good = pack!.actions.find((a) => a.name === 'good')!;
    expect(good).toMatchObject({
      enabled: true,
      idempotent: true,
      notify: { on_complete: { routes: ['chat'] } },
    });
    expect(pack!.aliases[0]!.permissions).toEqual({ users: ['alice'], channels: ['#ops'] });
    expect(pack!.aliases[0]!.builtin).toBe(false);
    expect(pack!.rules[0]!.criteria['trigger.body.ok']).toEqual({ type: 'Equals', pattern: true });
  });

  it('names file, field path, line and what was expected', () => {
    expect(find(problems, 'actions/bad_param_type.yaml', '/parameters/cmd/type')).toMatchObject({
      pack: 'broken_content',
      line: 6,
      severity: 'error',
      message: expect.stringMatching(/expected one of array, boolean, .*got string "strin"/),
    });
    expect(find(problems, 'actions/missing_runner.yaml', '/runner_type').message).toBe(
      'missing required field "runner_type"',
    );
    expect(find(problems, 'actions/typo_field.yaml', '/entrypoint')).toMatchObject({
      line: 4,
      message: expect.stringMatching(/^unknown field "entrypoint"; expected one of: .*entry_point/),
    });
    expect(find(problems, 'actions/typo_field.yaml', '/parameters/target/requried')).toMatchObject({
      line: 8,
    });
    expect(find(problems, 'actions/bad_yaml.yaml').message).toMatch(/^invalid YAML: /);
    expect(find(problems, 'actions/bad_yaml.yaml').path).toMatch(/^line \d+$/);
    expect(find(problems, 'actions/empty.yaml').message).toMatch(/expected a YAML mapping/);
    expect(find(problems, 'actions/good_again.yaml').message).toMatch(
      /duplicate action ref "broken_content.good"/,
    );
    expect(find(problems, 'actions/wrong_pack.yaml', '/pack').message).toMatch(
      /"someone_else" but the file is in pack "broken_content"/,
    );
    expect(find(problems, 'rules/bad_operator.yaml', '/criteria/trigger.body.status/type')).toMatchObject({
      line: 10,
      message: expect.stringMatching(/^unknown operator "equalz" \(expected one of equals, /),
    });
    expect(find(problems, 'rules/bad_timer.yaml', '/trigger/parameters/unit').message).toMatch(
      /expected one of "weeks", "days", "hours", "minutes", "seconds", got string "fortnights"/,
    );
    expect(find(problems, 'rules/no_action.yaml', '/action').message).toBe('missing required field "action"');
    expect(find(problems, 'aliases/bad_format.yaml', '/formats/1')).toMatchObject({
      line: 6,
      message:
        'expected a format string or a mapping {display, representation, match_multiple}, got number 42',
    });
    expect(find(problems, 'sensors/no_class.yaml', '/class_name').message).toBe(
      'missing required field "class_name"',
    );
    expect(find(problems, 'triggers/bad_trigger.yaml', '/name').message).toBe(
      'missing required field "name"',
    );
    expect(find(problems, 'policies/bad_params.yaml', '/parameters/treshold').message).toMatch(
      /^unknown field "treshold"; expected one of: threshold, action/,
    );
    expect(find(problems, 'policies/unknown_type.yaml', '/policy_type').message).toMatch(
      /unknown policy_type "action.ratelimit"/,
    );
    expect(find(problems, 'config.schema.yaml', '/api_key/type').line).toBe(3);
  });

  it('registers unsupported runners with a warning and a load error instead of failing', () => {
    const py = pack!.actions.find((a) => a.name === 'python_action')!;
    expect(py.load_errors).toEqual(['runner python-script is not available in Squall']);
    expect(find(problems, 'actions/python_action.yaml', '/runner_type').severity).toBe('warning');
  });

  it('runs the inspectAction hook: its findings become load_errors and warnings', () => {
    const seen: string[] = [];
    const result = tryLoadPack(BROKEN, {
      inspectAction: (action) => {
        seen.push(action.ref);
        return action.runner_type === 'orquesta' ? ['The task "x" is not defined.'] : [];
      },
    });
    expect(seen).toContain('broken_content.workflow');
    const wf = result.pack!.actions.find((a) => a.name === 'workflow')!;
    expect(wf.entry_point_path).toBe(join(BROKEN, 'actions/workflows/workflow.yaml'));
    expect(wf.load_errors).toEqual(['The task "x" is not defined.']);
    expect(result.problems.find((p) => p.file === wf.metadata_file)).toMatchObject({
      severity: 'warning',
      message: 'The task "x" is not defined. (the action fails when run)',
    });
  });

  it('a throwing inspectAction is a load error, not a crash', () => {
    const result = tryLoadPack(BROKEN, {
      inspectAction: () => {
        throw new Error('inspector exploded');
      },
    });
    expect(result.pack!.actions.find((a) => a.name === 'good')!.load_errors).toEqual([
      'inspection failed: inspector exploded',
    ]);
  });
});

describe('broken pack.yaml', () => {
  it('skips the pack with problems naming what pack.yaml lacks', () => {
    const result = tryLoadPack(join(FIXTURES, 'broken-packyaml'));
    expect(result.pack).toBeUndefined();
    expect(result.problems.map((p) => [p.path, p.message])).toEqual([
      ['/version', 'missing required field "version"'],
      ['/author', 'missing required field "author"'],
      [undefined, 'pack skipped: pack.yaml is invalid'],
    ]);
    expect(result.problems.every((p) => p.file === join(FIXTURES, 'broken-packyaml/pack.yaml'))).toBe(true);
  });

  it('a name that is not a valid ref needs a ref field', () => {
    const result = tryLoadPack(join(FIXTURES, 'broken-packname'));
    expect(result.pack).toBeUndefined();
    expect(result.problems[0]).toMatchObject({ path: '/name', message: expect.stringContaining('add ref') });
  });

  it('a YAML syntax error names the line', () => {
    const result = tryLoadPack(join(FIXTURES, 'broken-packyaml-syntax'));
    expect(result.pack).toBeUndefined();
    expect(result.problems[0]).toMatchObject({
      line: expect.any(Number),
      message: expect.stringMatching(/^invalid YAML/),
    });
  });

  it('loadPack never throws: a skipped pack comes back empty with its problems', () => {
    const pack = loadPack(join(FIXTURES, 'broken-packyaml'));
    expect(pack.actions).toEqual([]);
    expect(pack.problems.some((p) => p.severity === 'error')).toBe(true);
    expect(loadPack(join(FIXTURES, 'does-not-exist')).problems[0]!.message).toMatch(/missing pack.yaml/);
  });

  it('other packs still load next to broken ones', () => {
    const root = mkdtempSync(join(tmpdir(), 'squall-packs-'));
    try {
      for (const name of ['broken-content', 'broken-packyaml', 'broken-packname', 'broken-packyaml-syntax']) {
        cpSync(join(FIXTURES, name), join(root, name), { recursive: true });
      }
      const { packs, problems } = loadAllPacks({ paths: [root] });
      expect(packs.map((p) => p.metadata.ref)).toEqual(['broken_content']);
      expect(new Set(problems.map((p) => p.file))).toEqual(
        new Set([
          join(root, 'broken-packname/pack.yaml'),
          join(root, 'broken-packyaml/pack.yaml'),
          join(root, 'broken-packyaml-syntax/pack.yaml'),
        ]),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
