import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ParameterSchema } from '../../engine/model/index.ts';
import { buildScriptArgs } from '../../engine/runners/local-shell/script-args.ts';
import { LocalShellScriptRunner } from '../../engine/runners/local-shell/script-runner.ts';
import { makeContext } from './runner-context.ts';

const dir = mkdtempSync(join(tmpdir(), 'squall-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const runner = new LocalShellScriptRunner({ killGraceMs: 300 });

/** A script that records its argv, pid and SQUALL_SECRET_* env to $RECORD, then sleeps $HOLD seconds. */
function recorder(name: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `#!${process.execPath}
const fs = require('node:fs');
const secrets = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SQUALL_SECRET_')));
fs.writeFileSync(process.env.RECORD, JSON.stringify({ argv: process.argv.slice(2), pid: process.pid, secrets }));
setTimeout(() => process.stdout.write('done\\n'), Number(process.env.HOLD || 0) * 1000);
`,
  );
  chmodSync(path, mode);
  return path;
}

/** Polls for up to ~25 s: a Node script can take seconds to start when the whole suite loads both cores. */
async function waitFor(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 2500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!predicate()) throw new Error('condition never became true');
}

function scriptAction(entry: string, parameters: ParameterSchema) {
  return {
    runner_type: 'local-shell-script',
    entry_point: entry,
    entry_point_path: entry,
    pack_path: dir,
    parameters,
  };
}

describe('local-shell-script argv', () => {
  it('passes hostile values as single literal arguments; the canary file is never created', async () => {
    const canary = `/tmp/pwned-${Math.random().toString(36).slice(2)}`;
    const script = recorder('argv.js');
    const record = join(dir, 'argv.json');
    const hostile = `x; touch ${canary}`;
    const others = [`$(touch ${canary})`, `\`touch ${canary}\``, `a' "b" | touch ${canary} &`, 'new\nline'];
    const schema: ParameterSchema = {
      target: { type: 'string', position: 0 },
      list: { type: 'array', position: 1 },
      enabled: { type: 'boolean', position: 2 },
      flag: { type: 'boolean' },
      off: { type: 'boolean' },
      count: { type: 'integer' },
      obj: { type: 'object' },
      empty: { type: 'string' },
      nothing: { type: 'string' },
      extra: { type: 'string' },
    };
    const ctx = makeContext({
      action: scriptAction(script, schema),
      parameters: {
        target: hostile,
        list: ['a', 'b c'],
        enabled: false,
        flag: true,
        off: false,
        count: 3,
        obj: { k: 1 },
        empty: '',
        nothing: null,
        extra: others.join(' '),
        env: { RECORD: record },
        timeout: 60,
      },
    });
    const { status } = await runner.run(ctx);
    expect(status).toBe('succeeded');
    const seen = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[] };
    expect(seen.argv).toEqual([
      '--flag',
      '--count=3',
      '--obj={"k":1}',
      `--extra=${others.join(' ')}`,
      hostile,
      'a,b c',
      '0',
    ]);
    expect(existsSync(canary)).toBe(false);
  });

  it('argv equals the given values byte for byte over fuzzed shell metacharacters and Unicode (S13)', async () => {
    const canary = `/tmp/pwned-${Math.random().toString(36).slice(2)}`;
    const alphabet = [
      ';',
      '|',
      '&',
      '$(',
      ')',
      '`',
      '<',
      '>',
      '*',
      '~',
      "'",
      '"',
      '\n',
      '\\',
      ' ',
      '\t',
      '{',
      '}',
      '!',
      '#',
      '=',
      '--',
      'é',
      '日本',
      '🙂',
      'a',
      'Z',
      '0',
      `touch ${canary}`,
      '$HOME',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion as data
      '${IFS}',
    ];
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const values = Array.from({ length: 60 }, (_, i) =>
      i === 0
        ? 'x'.repeat(64 * 1024)
        : Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length]).join(''),
    );
    const schema: ParameterSchema = Object.fromEntries(
      values.map((_, i) => [`p${i}`, { type: 'string', position: i }]),
    );
    const record = join(dir, 'fuzz.json');
    const ctx = makeContext({
      action: scriptAction(recorder('fuzz.js'), schema),
      parameters: { ...Object.fromEntries(values.map((v, i) => [`p${i}`, v])), env: { RECORD: record } },
    });
    const { status } = await runner.run(ctx);
    expect(status).toBe('succeeded');
    expect((JSON.parse(readFileSync(record, 'utf8')) as { argv: string[] }).argv).toEqual(values);
    expect(existsSync(canary)).toBe(false);
  });

  it('uses kwarg_op and keeps every declared position (missing → "")', () => {
    const schema: ParameterSchema = {
      b: { type: 'string', position: 1 },
      a: { type: 'string', position: 0 },
      n: {},
    };
    const { argv } = buildScriptArgs({ b: 'B', n: 'v' }, schema, new Set(), '-');
    expect(argv).toEqual(['-n=v', '', 'B']);
  });

  it("follows st2's positional layout for core.sendmail", () => {
    const yaml = parse(readFileSync('packs/core/actions/sendmail.yaml', 'utf8'), { version: '1.1' }) as {
      parameters: ParameterSchema;
    };
    const { argv } = buildScriptArgs(
      {
        sendmail_binary: 'None',
        from: 'stanley',
        to: 'a@b.c',
        subject: 'hi',
        send_empty_body: true,
        content_type: 'text/html',
        body: 'x',
      },
      yaml.parameters,
      new Set(),
      '--',
    );
    expect(argv).toEqual(['None', 'stanley', 'a@b.c', 'hi', '1', 'text/html', 'x', '']);
  });

  it('rejects NUL bytes in arguments', async () => {
    const ctx = makeContext({
      action: scriptAction(recorder('nul.js'), { a: { type: 'string' } }),
      parameters: { a: 'x\0y' },
    });
    const { status, result } = await runner.run(ctx);
    expect(status).toBe('failed');
    expect((result as { error: string }).error).toMatch(/NUL/);
  });

  it('makes a non-executable entry point executable (st2 chmod +x) and fails clearly on a missing one', async () => {
    const script = recorder('noexec.js', 0o644);
    const record = join(dir, 'noexec.json');
    const ok = await runner.run(
      makeContext({ action: scriptAction(script, {}), parameters: { env: { RECORD: record } } }),
    );
    expect(ok.status).toBe('succeeded');
    expect(statSync(script).mode & 0o100).toBe(0o100);

    const missing = await runner.run(
      makeContext({ action: scriptAction(join(dir, 'nope.sh'), {}), parameters: {} }),
    );
    expect(missing.status).toBe('failed');
    expect((missing.result as { error: string }).error).toMatch(/nope\.sh does not exist/);
  });

  it('resolves entry_point against <pack>/actions when the loader did not', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'actions'), { recursive: true });
    writeFileSync(join(dir, 'actions', 'hello.sh'), '#!/bin/sh\necho "hi $1"\n', { mode: 0o755 });
    const ctx = makeContext({
      action: {
        runner_type: 'local-shell-script',
        entry_point: 'hello.sh',
        pack_path: dir,
        parameters: { who: { type: 'string', position: 0 } },
      },
      parameters: { who: 'there' },
    });
    const { status, result } = await runner.run(ctx);
    expect(status).toBe('succeeded');
    expect((result as { stdout: string }).stdout).toBe('hi there');
  });
});

describe('local-shell-script secrets', () => {
  it('keeps secret parameters out of every /proc/<pid>/cmdline while the script runs; the script reads them from SQUALL_SECRET_*', async () => {
    const script = recorder('secret.js');
    const record = join(dir, 'secret.json');
    const secret = `s3cr3t-${Math.random().toString(36).slice(2)}`;
    const posSecret = `p0s-${Math.random().toString(36).slice(2)}`;
    const ctx = makeContext({
      action: scriptAction(script, {
        user: { type: 'string' },
        api_key: { type: 'string', secret: true },
        pin: { type: 'string', secret: true, position: 0 },
        after: { type: 'string', position: 1 },
      }),
      parameters: {
        user: 'bob',
        api_key: secret,
        pin: posSecret,
        after: 'tail',
        env: { RECORD: record, HOLD: '100' },
      },
      secretParameters: ['api_key', 'pin'],
    });
    const run = runner.run(ctx);
    try {
      // The file exists before it is written: wait until it parses.
      let seen: { argv: string[]; pid: number; secrets: Record<string, string> } | undefined;
      await waitFor(() => {
        try {
          seen = JSON.parse(readFileSync(record, 'utf8'));
          return true;
        } catch {
          return false;
        }
      });
      if (!seen) throw new Error('the script wrote no record');
      const cmdline = readFileSync(`/proc/${seen.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('--user=bob');
      expect(cmdline).not.toContain(secret);
      expect(cmdline).not.toContain(posSecret);
      // No process on the machine shows either secret in its argv (S10).
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        let text = '';
        try {
          text = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        } catch {
          continue;
        }
        expect(text.includes(secret) || text.includes(posSecret)).toBe(false);
      }
      // The positional secret keeps its slot (empty) so "after" stays at $2.
      expect(seen.argv).toEqual(['--user=bob', '', 'tail']);
      expect(seen.secrets).toEqual({ SQUALL_SECRET_API_KEY: secret, SQUALL_SECRET_PIN: posSecret });
    } finally {
      ctx.controller.abort();
      await run;
    }
  });

  it('puts a secret in argv only when the parameter opts in with secret_in_argv', () => {
    const { argv, env } = buildScriptArgs(
      { token: 't0k', other: 'o' },
      {
        token: { type: 'string', secret: true, secret_in_argv: true },
        other: { type: 'string', secret: true },
      },
      new Set(['token', 'other']),
      '--',
    );
    expect(argv).toEqual(['--token=t0k']);
    expect(env).toEqual({ SQUALL_SECRET_OTHER: 'o' });
  });
});
