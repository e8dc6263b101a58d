/**
 * `squall discord register-commands [--guild <id>]` against the fake Discord: the /squall command with its
 * `command` string option is created over REST (global or guild), the application id comes from configuration
 * or from GET /applications/@me, and a bad token fails with a clear message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDiscordAdapterFromConfig } from '../../adapters/discord/discord-config.ts';
import { registerSquallCommand } from '../../adapters/discord/squall-command.ts';
import { registerDiscordCommands } from '../../cli/commands/discord.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { DiscordSigner, FakeDiscord } from '../fakes/discord.ts';

let fake: FakeDiscord;
let dir: string;

beforeEach(async () => {
  fake = await FakeDiscord.start();
  dir = mkdtempSync(path.join(tmpdir(), 'squall-discord-cli-'));
});

afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

function program(): Command {
  const p = new Command('squall').option('-c, --config <file>').exitOverride();
  registerDiscordCommands(p);
  return p;
}

describe('Discord slash command registration', () => {
  it('registers /squall globally with a required "command" string option, finding the application id', async () => {
    const result = await registerSquallCommand({ token: fake.token, apiUrl: fake.apiUrl });
    expect(result.applicationId).toBe(fake.applicationId);
    expect(fake.callsTo('GET', /^\/applications\/@me$/)).toHaveLength(1);
    const call = fake.callsTo('POST', new RegExp(`^/applications/${fake.applicationId}/commands$`))[0]!;
    expect(call.auth).toBe(`Bot ${fake.token}`);
    expect(call.body).toMatchObject({
      name: 'squall',
      type: 1,
      options: [{ type: 3, name: 'command', required: true }],
    });
    expect(fake.commands).toHaveLength(1);
    // Registering again overwrites the same command (no duplicates).
    await registerSquallCommand({
      token: fake.token,
      apiUrl: fake.apiUrl,
      applicationId: fake.applicationId,
    });
    expect(fake.commands).toHaveLength(1);
  });

  it('the CLI registers in one guild from squall.yaml (discord.* keys)', async () => {
    const file = path.join(dir, 'squall.yaml');
    writeFileSync(
      file,
      `discord:\n  token: ${fake.token}\n  application_id: "${fake.applicationId}"\n  api_url: ${fake.apiUrl}\n`,
    );
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await program().parseAsync([
      'node',
      'squall',
      '-c',
      file,
      'discord',
      'register-commands',
      '--guild',
      fake.guild.id,
    ]);
    expect(fake.commands).toEqual([
      { guildId: fake.guild.id, body: expect.objectContaining({ name: 'squall' }) },
    ]);
    expect(fake.callsTo('GET', /^\/applications\/@me$/)).toHaveLength(0);
    expect(String(out.mock.calls.at(-1)?.[0])).toContain(`in guild ${fake.guild.id}`);
  });

  it('fails clearly on a bad token, and on a guild that is not an id', async () => {
    await expect(registerSquallCommand({ token: 'wrong', apiUrl: fake.apiUrl })).rejects.toThrow(
      /registering \/squall failed.*DISCORD_TOKEN/,
    );
    await expect(
      registerSquallCommand({ token: fake.token, apiUrl: fake.apiUrl, guildId: 'ops' }),
    ).rejects.toThrow(/--guild expects a guild id/);
    expect(fake.commands).toHaveLength(0);
  });
});

describe('Discord adapter from configuration', () => {
  it('is off without a token, on with one (HTTP interactions only with a public key), and starts from the values', async () => {
    expect(createDiscordAdapterFromConfig({ 'discord.token': '' }, silentLogger())).toBeUndefined();
    const gatewayOnly = createDiscordAdapterFromConfig({ 'discord.token': fake.token }, silentLogger());
    expect(gatewayOnly?.publicKey).toBeUndefined();
    const signer = new DiscordSigner();
    const adapter = createDiscordAdapterFromConfig(
      {
        'discord.token': fake.token,
        'discord.public_key': signer.publicKey,
        'discord.api_url': `${fake.apiUrl}/v10/`,
        'chat.prefix': '?',
      },
      silentLogger(),
    )!;
    expect(adapter.publicKey).toBe(signer.publicKey);
    await adapter.start({ onMessage: async () => {}, onAction: async () => {} });
    try {
      expect(adapter.connected()).toBe(true);
      expect(adapter.applicationId).toBe(fake.applicationId);
    } finally {
      await adapter.stop();
    }
    expect(() =>
      createDiscordAdapterFromConfig({ 'discord.token': 't', 'discord.public_key': 'xyz' }, silentLogger()),
    ).toThrow(/discord\.public_key/);
  });
});
