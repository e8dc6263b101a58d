import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, envNameOf } from '../../engine/config/config-keys.ts';

// The README's configuration table must list every key the loader knows, with its env name.
describe('README configuration table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const key of CONFIG_KEYS) {
    it(`documents ${key.key}`, () => {
      expect(readme).toContain(`| \`${key.key}\` | \`${envNameOf(key.key)}\``);
      for (const alias of key.envAliases ?? []) expect(readme).toContain(`\`${alias}\``);
    });
  }
});
