import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatRelayAdapter } from '../../adapters/console/relay-adapter.ts';
import { registerChatRoutes } from '../../api/routes/chat.ts';
import { createApiServer } from '../../api/server.ts';
import { createBot } from '../../bot/bot.ts';
import { chatViaServer, registerChatCommands } from '../../cli/commands/chat.ts';
import { silentLogger } from '../../engine/log/logger.ts';
import { BOT_PACKS, USERS_YAML } from '../bot/harness.ts';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';
import { tempDataDir } from '../helpers/squall-process.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function captureStdout(): { text: () => string } {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return { text: () => out };
}

async function squallChat(args: string[]): Promise<{ out: string; code: number }> {
  const dataDir = tempDataDir();
  const config = path.join(dataDir, 'squall.yaml');
  writeFileSync(config, `${USERS_YAML}chat:\n  identities: {"console:ann": "alice"}\n`);
  vi.stubEnv('SQUALL_DATA_DIR', dataDir);
  vi.stubEnv('SQUALL_PACKS_PATH', BOT_PACKS);
  const cap = captureStdout();
  const program = new Command('squall').option('-c, --config <file>').exitOverride();
  registerChatCommands(program);
  try {
    await program.parseAsync(['node', 'squall', '--config', config, 'chat', ...args]);
  } finally {
    vi.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { out: cap.text(), code };
}

describe('squall chat (in-process)', () => {
  it('runs one command as the local admin and exits with the execution status', async () => {
    const ok = await squallChat(['greet bob']);
    expect(ok.out).toContain('Hello, bob!');
    expect(ok.out).toContain('✔ botpack.greet succeeded');
    expect(ok.code).toBe(0);
  });

  it('maps --user through chat.identities and refuses unknown console users', async () => {
    const ann = await squallChat(['greet ann', '--user', 'ann']);
    expect(ann.code).toBe(0);
    const eve = await squallChat(['greet eve', '--user', 'eve']);
    expect(eve.out).toContain("don't know who you are here (console:eve)");
    expect(eve.code).toBe(1);
  });

  it('exits 1 on an unknown command and 3 when an approval is left open', async () => {
    expect((await squallChat(['gret bob'])).code).toBe(1);
    const ask = await squallChat(['ask approval']);
    expect(ask.out).toContain('1) Approve');
    expect(ask.code).toBe(3);
  });
});

describe('squall chat through a running server (POST /api/v1/chat)', () => {
  let fx: EngineFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('streams the replies of the server bot and ends with the execution status', async () => {
    fx = await startEngine({ packs: [BOT_PACKS], yaml: USERS_YAML });
    const relay = new ChatRelayAdapter();
    const bot = createBot({
      engine: fx.engine,
      adapters: [relay],
      config: { prefix: '!', defaultRole: '', identities: {}, rateLimitPerMinute: 100 },
      logger: silentLogger(),
    });
    await bot.start();
    const app = await createApiServer({
      engine: fx.engine,
      logger: silentLogger(),
      adminToken: 'tok',
      apiPlugins: [async (scope, { engine }) => registerChatRoutes(scope, engine, relay)],
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as { port: number };
      const cap = captureStdout();
      const outcome = await chatViaServer(`http://127.0.0.1:${port}`, 'tok', 'count 2', 'local');
      vi.restoreAllMocks();
      expect(outcome.statuses).toEqual(['succeeded']);
      expect(cap.text()).toContain('Counted: line1\nline2');
      const refused = await fetch(`http://127.0.0.1:${port}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ command: 'greet x' }),
      });
      expect(refused.status).toBe(401);
    } finally {
      await app.close();
      await bot.stop();
    }
  });
});

describe('createChatRuntime (what squall start wires)', () => {
  it('gives a bot with the relay behind POST /api/v1/chat, and no console without a TTY', async () => {
    const fx = await startEngine({ packs: [BOT_PACKS], yaml: USERS_YAML });
    try {
      const { createChatRuntime } = await import('../../cli/commands/chat.ts');
      const runtime = createChatRuntime({
        engine: fx.engine,
        values: { 'console.enabled': 'false', 'chat.identities': {} },
        logger: silentLogger(),
      });
      const app = await createApiServer({
        engine: fx.engine,
        logger: silentLogger(),
        adminToken: 'tok',
        apiPlugins: [runtime.apiPlugin],
      });
      await runtime.bot.start();
      await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const { port } = app.server.address() as { port: number };
        const cap = captureStdout();
        const outcome = await chatViaServer(`http://127.0.0.1:${port}`, 'tok', 'gret x', 'local');
        vi.restoreAllMocks();
        expect(outcome.statuses).toEqual([]);
        expect(outcome.worst).toBe('warning');
        expect(cap.text()).toContain('Did you mean');
      } finally {
        await app.close();
        await runtime.bot.stop();
      }
    } finally {
      await fx.close();
    }
  });
});
