import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerContentCommands } from '../../cli/commands/content.ts';
import { registerPackConfigCommands } from '../../cli/commands/pack-config.ts';
import { FIXTURE_PACKS } from '../helpers/engine-fixture.ts';

// The commands run in-process on a temp data dir (no server holds it), as `squall pack ...` would.
const ENV_KEYS = ['SQUALL_DATA_DIR', 'SQUALL_PACKS_PATH', 'SQUALL_PACKS_CONFIG_DIR', 'SQUALL_LOG_LEVEL'];
let root: string;
let configDir: string;
const savedEnv: Record<string, string | undefined> = {};

async function squall(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const program = new Command().exitOverride().option('--config <file>');
  registerContentCommands(program);
  registerPackConfigCommands(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'squall', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout, stderr, exitCode };
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'squall-pack-config-cli-'));
  configDir = path.join(root, 'configs');
  for (const key of ENV_KEYS) savedEnv[key] = process.env[key];
  process.env.SQUALL_DATA_DIR = path.join(root, 'data');
  process.env.SQUALL_PACKS_PATH = FIXTURE_PACKS;
  process.env.SQUALL_PACKS_CONFIG_DIR = configDir;
  process.env.SQUALL_LOG_LEVEL = 'silent';
  mkdirSync(configDir, { recursive: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(() => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  rmSync(root, { recursive: true, force: true });
});

describe('squall pack config', () => {
  it('prints the effective config, secrets masked', async () => {
    writeFileSync(path.join(configDir, 'cfgpack.yaml'), 'region: us-east-2\napi_token: plain-secret-42\n');
    const { stdout, exitCode } = await squall('pack', 'config', 'cfgpack');
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`# pack cfgpack: ${path.join(configDir, 'cfgpack.yaml')}`);
    expect(stdout).toContain('region: us-east-2');
    expect(stdout).toContain('port: 8443');
    expect(stdout).toContain('api_token: "********"');
    expect(stdout).not.toContain('plain-secret-42');

    const json = await squall('pack', 'config', 'cfgpack', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      pack: 'cfgpack',
      exists: true,
      config: { region: 'us-east-2', port: 8443, api_token: '********' },
    });
    expect(json.stdout).not.toContain('plain-secret-42');
  });

  it('an invalid config prints the error naming file, key and expected type, exit 1', async () => {
    const file = path.join(configDir, 'cfgpack.yaml');
    writeFileSync(file, 'region: 12\n');
    const { stderr, exitCode } = await squall('pack', 'config', 'cfgpack');
    expect(exitCode).toBe(1);
    expect(stderr).toContain(`error: ${file}:1: "region" must be string, got 12 (integer)`);
  });

  it('`pack register --configs` reloads the configs and lists their problems', async () => {
    const file = path.join(configDir, 'cfgpack.yaml');
    writeFileSync(file, 'region: eu-north-1\nport: true\n');
    const { stdout } = await squall('pack', 'register', '--configs');
    expect(stdout).toContain('cfgpack');
    expect(stdout).toContain(`error: ${file} /port: config "port" must be integer, got true (boolean)`);
  });
});
