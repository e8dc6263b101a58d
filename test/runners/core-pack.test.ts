import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createBuiltinRunners, lookupRunner } from '../../engine/runners/index.ts';

const CORE = 'packs/core';
const load = (file: string) =>
  parse(readFileSync(join(CORE, file), 'utf8'), { version: '1.1' }) as Record<string, any>;

const EXPECTED: Record<string, string> = {
  local: 'local-shell-cmd',
  local_sudo: 'local-shell-cmd',
  echo: 'local-shell-cmd',
  error: 'local-shell-cmd',
  noop: 'noop',
  http: 'http-request',
  ask: 'inquirer',
  announcement: 'announcement',
  remote: 'remote-shell-cmd',
  remote_sudo: 'remote-shell-cmd',
  sendmail: 'local-shell-script',
  winrm_cmd: 'winrm-cmd',
  winrm_ps_cmd: 'winrm-ps-cmd',
};

describe('core pack', () => {
  it('has pack.yaml naming the core pack', () => {
    expect(load('pack.yaml')).toMatchObject({ name: 'core', ref: 'core' });
  });

  it('offers every st2 core action with the expected runner type', () => {
    const files = readdirSync(join(CORE, 'actions')).filter((f) => f.endsWith('.yaml'));
    const found = Object.fromEntries(
      files.map((f) => {
        const meta = load(join('actions', f));
        expect(meta.name, f).toBe(f.replace(/\.yaml$/, ''));
        return [meta.name, meta.runner_type];
      }),
    );
    expect(found).toEqual(EXPECTED);
  });

  it('overrides only parameters its runner declares (st2: runner params may be overridden, not invented)', () => {
    const runners = createBuiltinRunners();
    for (const [name, runnerType] of Object.entries(EXPECTED)) {
      if (runnerType.startsWith('remote-shell')) continue; // registered by the remote runner module
      const runner = lookupRunner(runners, runnerType);
      const params = (load(`actions/${name}.yaml`).parameters ?? {}) as Record<
        string,
        Record<string, unknown>
      >;
      for (const [param, spec] of Object.entries(params)) {
        if (!Object.hasOwn(runner.parameters, param)) {
          expect(spec.type ?? spec.default, `${name}.${param} declares a type or default`).toBeDefined();
        }
      }
    }
  });

  it('ships an executable send_mail entry point for core.sendmail', () => {
    expect(load('actions/sendmail.yaml').entry_point).toBe('send_mail/send_mail');
    expect(statSync(join(CORE, 'actions/send_mail/send_mail')).mode & 0o111).not.toBe(0);
  });
});
