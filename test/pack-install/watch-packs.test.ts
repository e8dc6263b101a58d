import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackWatcher, watchPacks } from '../../engine/pack-install/watch-packs.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';
import { tempDataDir, waitFor } from '../helpers/squall-process.ts';
import { writeFiles } from './git-fixtures.ts';

describe('watchPacks (squall start --watch)', () => {
  let fx: EngineFixture;
  let root: string;
  let watcher: PackWatcher;

  beforeAll(async () => {
    root = tempDataDir('squall-watch-');
    writeFiles(path.join(root, 'authoring'), {
      'pack.yaml': '---\nref: authoring\nname: authoring\nversion: 0.0.1\nauthor: t\ndescription: w\n',
      'actions/one.yaml':
        '---\nname: one\nrunner_type: local-shell-cmd\nenabled: true\nparameters:\n  cmd: {default: echo 1}\n',
    });
    fx = await startEngine({ packs: [root] });
    watcher = watchPacks(fx.engine, [root, path.join(root, 'missing')], { debounceMs: 50 });
  }, 60_000);
  afterAll(async () => {
    watcher?.close();
    await fx?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a new or changed file under a pack path is registered without a command', async () => {
    expect(fx.engine.getAction('authoring.one')).toBeTruthy();
    expect(fx.engine.getAction('authoring.two')).toBeUndefined();
    writeFiles(path.join(root, 'authoring'), {
      'actions/two.yaml':
        '---\nname: two\nrunner_type: local-shell-cmd\nenabled: true\nparameters:\n  cmd: {default: echo 2}\n',
      'aliases/two.yaml': '---\nname: two\naction_ref: authoring.two\nformats: ["run two"]\n',
    });
    await waitFor(
      () => fx.engine.getAction('authoring.two'),
      20_000,
      'authoring.two after the file appeared',
    );
    await waitFor(
      () => fx.engine.aliases().find((a) => a.ref === 'authoring.two'),
      20_000,
      'the alias after the file appeared',
    );
    writeFiles(path.join(root, 'authoring'), {
      'actions/one.yaml':
        '---\nname: one\nrunner_type: local-shell-cmd\nenabled: true\nparameters:\n  cmd: {default: echo changed}\n',
    });
    const changed = await waitFor(
      () => {
        const cmd = fx.engine.getAction('authoring.one')?.parameters.cmd?.default;
        return cmd === 'echo changed' ? cmd : undefined;
      },
      20_000,
      'the edited action',
    );
    expect(changed).toBe('echo changed');
  }, 60_000);
});
