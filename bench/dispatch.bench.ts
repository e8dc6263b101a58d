/**
 * Bot dispatch speed, in memory (no store, no engine): 500 aliases shaped like
 * `deploy thing7 {{target}} to {{env=prod}}`. One dispatch = prefix strip + chat identity → principal +
 * AliasMatcher.match + the bot's permission decision (alias/pack allow lists, real Rbac) + parameter building.
 *   dispatch.bot       dispatches/s (CPU time of this process; target ≥ 30,000/s)
 *   dispatch.bot.wall  dispatches/s (elapsed)
 */
import { performance } from 'node:perf_hooks';
import { AliasMatcher, buildExecutionParameters } from '../aliases/index.ts';
import type { BotConfig } from '../bot/bot-config.ts';
import type { ChatIdentity, IncomingMessage } from '../bot/chat-adapter.ts';
import { commandText } from '../bot/command-text.ts';
import { resolveIdentity } from '../bot/identity.ts';
import { decideAlias } from '../bot/permissions.ts';
import { Rbac } from '../engine/auth/rbac.ts';
import type { AliasDefinition } from '../engine/model/alias.ts';
import type { ParameterSchema } from '../engine/model/parameters.ts';

const ALIASES = 500;

function makeAliases(): AliasDefinition[] {
  return Array.from({ length: ALIASES }, (_, i) => ({
    ref: `pack${i % 25}.deploy_thing${i}`,
    name: `deploy_thing${i}`,
    pack: `pack${i % 25}`,
    description: `Deploy thing ${i}`,
    enabled: true,
    action_ref: `pack${i % 25}.deploy`,
    formats: [`deploy thing${i} {{target}} to {{env=prod}}`],
    immutable_parameters: { strategy: 'rolling' },
    ...(i % 10 === 0 ? { permissions: { roles: ['deployers', 'admin'] } } : {}),
    builtin: false,
    metadata_file: `aliases/deploy_thing${i}.yaml`,
  }));
}

function timeIt(iterations: number, fn: (k: number) => void): { cpuMs: number; wallMs: number } {
  for (let k = 0; k < Math.min(iterations, 2000); k++) fn(k); // warm-up
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let k = 0; k < iterations; k++) fn(k);
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs };
}

export async function benchDispatch(): Promise<Array<{ name: string; value: number; unit: string }>> {
  const aliases = makeAliases();
  const schema: ParameterSchema = {
    target: { type: 'string' },
    env: { type: 'string' },
    timeout: { type: 'integer' },
    strategy: { type: 'string' },
  };
  const actionParameters = new Map(aliases.map((a) => [a.action_ref, Object.keys(schema)]));
  const matcher = new AliasMatcher(aliases, { actionParameters });
  const rbac = new Rbac({
    users: { alice: { roles: ['operator', 'deployers'] }, bob: { roles: ['web'] } },
    roles: { web: { grants: ['run'], packs: ['pack1', 'pack2', 'pack3'] } },
  });
  const config: BotConfig = {
    prefix: '!',
    defaultRole: '',
    identities: { 'slack:T1:U1': 'alice', 'slack:T1:U2': 'bob' },
    rateLimitPerMinute: 30,
    roleMappings: { 'slack:T1:*': ['viewer'] },
  };
  const users: ChatIdentity[] = [
    { adapter: 'slack', workspace: 'T1', userId: 'U1' },
    { adapter: 'slack', workspace: 'T1', userId: 'U2' },
  ];
  const messages: IncomingMessage[] = Array.from({ length: 5000 }, (_, k) => {
    const i = (k * 7919) % ALIASES;
    return {
      adapter: 'slack',
      kind: 'message',
      workspace: 'T1',
      channel: 'C1',
      user: users[k % 2]!,
      text:
        k % 3 === 0 ? `!deploy thing${i} web${k} to` : `!deploy thing${i} "web ${k}" to staging timeout=30`,
    };
  });

  let allowed = 0;
  const iterations = 50_000;
  const run = timeIt(iterations, (k) => {
    const message = messages[k % messages.length]!;
    const command = commandText(message, config.prefix);
    if (!command) throw new Error('bench: prefix not stripped');
    const who = resolveIdentity(config, rbac, message.user);
    if (!who.ok) throw new Error('bench: identity not mapped');
    const r = matcher.match(command);
    if (r.kind !== 'match') throw new Error(`bench command did not match: ${command}`);
    const where = { channel: message.channel, identityKey: who.key };
    if (!decideAlias(r.alias, who.principal, where, config, rbac).allowed) return;
    allowed += buildExecutionParameters(r.alias, r.params, schema).untrustedParameters.length > 0 ? 1 : 0;
  });
  if (allowed === 0) throw new Error('bench: every dispatch was denied');
  return [
    { name: 'dispatch.bot', value: Math.round(iterations / (run.cpuMs / 1000)), unit: 'dispatches/s' },
    { name: 'dispatch.bot.wall', value: Math.round(iterations / (run.wallMs / 1000)), unit: 'dispatches/s' },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchDispatch()) console.log(`${r.name}: ${r.value} ${r.unit}`);
}
