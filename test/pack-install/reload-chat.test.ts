import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, startBot } from '../bot/harness.ts';
import { tempDataDir } from '../helpers/squall-process.ts';
import { makePackRepo } from './git-fixtures.ts';

/** Installing a pack makes its aliases answer in chat and appear in help at once (no bot restart). */
describe('pack install → chat', () => {
  let h: BotHarness;
  let repos: string;
  beforeAll(async () => {
    h = await startBot();
    repos = tempDataDir('squall-chat-repos-');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    rmSync(repos, { recursive: true, force: true });
  });

  it('a freshly installed alias answers and is listed in help; removing it takes it away', async () => {
    const repo = makePackRepo(path.join(repos, 'greeter'), 'greeter', '1.0.0', {
      files: {
        'actions/wave.yaml':
          '---\nname: wave\nrunner_type: local-shell-cmd\nenabled: true\nparameters:\n  who:\n    type: string\n    required: true\n  cmd:\n    default: "echo waves at {{ who }}"\n',
        'aliases/wave.yaml':
          '---\nname: wave\naction_ref: greeter.wave\ndescription: Wave at someone.\nformats:\n  - "wave {{ who }}"\nresult:\n  format: "{{ execution.result.stdout }}"\n',
      },
    });
    await h.chat.say('!help', { user: 'alice' });
    expect(h.chat.latest('C1').at(-1)!.code ?? '').not.toContain('wave');

    const result = await h.fx.engine.packInstaller!.install([repo]);
    expect(result.ok, result.error).toBe(true);

    await h.chat.say('!help', { user: 'alice' });
    expect(h.chat.latest('C1').at(-1)!.code).toContain('!wave {{ who }}');
    await h.chat.say('!wave bob', { user: 'alice' });
    const answer = await h.chat.waitFor(() =>
      h.chat.latest('C1').find((m) => m.status === 'succeeded' && m.text?.includes('waves at bob')),
    );
    expect(answer.text).toContain('waves at bob');

    // An operator may use aliases but not install packs from chat (that runs code): admins only.
    await h.chat.say(`!pack install ${repo}`, { user: 'alice' });
    const refused = await h.chat.waitFor(() =>
      h.chat.latest('C1').find((m) => m.status === 'failed' && /admins/.test(`${m.text} ${m.code ?? ''}`)),
    );
    expect(refused).toBeTruthy();

    await h.fx.engine.packInstaller!.remove(['greeter']);
    await h.chat.say('!help', { user: 'alice' });
    expect(h.chat.latest('C1').at(-1)!.code ?? '').not.toContain('!wave');
  }, 60_000);
});
