import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { validatePackDir } from '../../engine/packs/validate-pack.ts';
import { testRule } from '../../engine/rules/rule-test.ts';
import { printJson, printProblems, printTable } from '../output.ts';
import { withClient } from '../session.ts';

function readStructured(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { version: '1.1' });
}

export function registerContentCommands(program: Command): void {
  const pack = program.command('pack').description('Packs');
  pack
    .command('list')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const packs = await client.request<Array<Record<string, unknown>>>('GET', '/api/v1/packs');
        if (options.json) printJson(packs);
        else printTable(packs, ['ref', 'version', 'builtin', 'description']);
      });
    });
  pack
    .command('validate <dir>')
    .description('Validate a pack folder: print every problem; exit 1 if there is any error')
    .option('--json', 'print JSON')
    .action((dir: string, options: { json?: boolean }) => {
      const problems = validatePackDir(dir);
      if (options.json) printJson(problems);
      else if (!problems.length) process.stdout.write(`${dir}: no problems\n`);
      else printProblems(problems);
      if (problems.some((p) => p.severity === 'error')) process.exitCode = 1;
    });
  pack
    .command('register')
    .description('Reload packs from disk into the running server (actions, rules, aliases, sensors)')
    .option('--configs', 'reload only the pack configs (<config dir>/<pack>.yaml)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean; configs?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const result = await client.request<{
          packs: string[];
          problems: Array<{ severity: string; file: string; path?: string; message: string }>;
        }>('POST', options.configs ? '/api/v1/packs/configs/register' : '/api/v1/packs/register', {});
        if (options.json) return printJson(result);
        process.stdout.write(`registered ${result.packs.length} packs: ${result.packs.join(', ')}\n`);
        printProblems(result.problems);
      });
    });

  const action = program.command('action').description('Actions');
  action
    .command('list')
    .option('--pack <pack>', 'only this pack')
    .option('--json', 'print JSON')
    .action(async (options: { pack?: string; json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const q = options.pack ? `?pack=${encodeURIComponent(options.pack)}` : '';
        const actions = await client.request<Array<Record<string, unknown>>>('GET', `/api/v1/actions${q}`);
        if (options.json) printJson(actions);
        else printTable(actions, ['ref', 'runner_type', 'description']);
      });
    });
  action
    .command('get <ref>')
    .option('--json', 'print JSON')
    .action(async (ref: string, options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const found = await client.request<Record<string, unknown>>(
          'GET',
          `/api/v1/actions/${encodeURIComponent(ref)}`,
        );
        if (options.json) printJson(found);
        else {
          printTable([found], ['ref', 'runner_type', 'entry_point', 'description']);
          const params = (found.parameters ?? {}) as Record<string, Record<string, unknown>>;
          process.stdout.write('\nparameters:\n');
          printTable(
            Object.entries(params).map(([name, p]) => ({ name, ...p })),
            ['name', 'type', 'required', 'default', 'secret', 'immutable', 'description'],
          );
        }
      });
    });

  const rule = program.command('rule').description('Rules');
  rule
    .command('list')
    .option('--pack <pack>', 'only this pack')
    .option('--json', 'print JSON')
    .action(async (options: { pack?: string; json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const q = options.pack ? `?pack=${encodeURIComponent(options.pack)}` : '';
        const rules = await client.request<Array<Record<string, unknown>>>('GET', `/api/v1/rules${q}`);
        if (options.json) printJson(rules);
        else
          printTable(
            rules.map((r) => ({
              ...r,
              trigger: (r.trigger as { type: string }).type,
              action: (r.action as { ref: string }).ref,
            })),
            ['ref', 'enabled', 'trigger', 'action', 'description'],
          );
      });
    });
  rule
    .command('get <ref>')
    .option('--json', 'print JSON')
    .action(async (ref: string, options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const found = await client.request('GET', `/api/v1/rules/${encodeURIComponent(ref)}`);
        if (options.json) printJson(found);
        else process.stdout.write(`${YAML.stringify(found)}`);
      });
    });
  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    rule.command(`${verb} <ref>`).action(async (ref: string) => {
      await withClient(program.opts(), async (client) => {
        await client.request('PUT', `/api/v1/rules/${encodeURIComponent(ref)}`, { enabled });
        process.stdout.write(`rule ${ref} ${enabled ? 'enabled' : 'disabled'}\n`);
      });
    });
  }
  rule
    .command('test')
    .description(
      'Why did (or didn’t) my rule fire? Evaluate a rule against a trigger instance, criterion by criterion',
    )
    .requiredOption('--rule <file>', 'rule YAML file')
    .requiredOption('--trigger-instance <file>', 'JSON file: {"trigger": "<type ref>", "payload": {...}}')
    .option('--json', 'print {"matched", "criteria"}')
    .action((options: { rule: string; triggerInstance: string; json?: boolean }) => {
      let result: ReturnType<typeof testRule>;
      try {
        result = testRule(
          readStructured(options.rule) as Record<string, unknown>,
          readStructured(options.triggerInstance),
        );
      } catch (err) {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      if (options.json) return printJson(result);
      process.stdout.write(`${result.matched ? 'MATCHED' : 'NOT MATCHED'}\n`);
      for (const c of result.criteria as unknown as Array<Record<string, unknown>>)
        process.stdout.write(
          `  ${c.result ? 'ok  ' : 'FAIL'} ${c.key}: ${c.operator} pattern=${JSON.stringify(c.rendered_pattern ?? c.pattern)} value=${JSON.stringify(c.value)}${c.error ? ` (${c.error})` : ''}\n`,
        );
    });

  program
    .command('rule-enforcement')
    .description('Rule enforcements')
    .command('list')
    .option('--rule <ref>', 'only this rule')
    .option('--trigger-instance <id>', 'only what this trigger instance (a webhook, a sensor event) set off')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action(async (options: { rule?: string; triggerInstance?: string; limit: string; json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const q = new URLSearchParams({
          limit: options.limit,
          ...(options.rule ? { rule: options.rule } : {}),
          ...(options.triggerInstance ? { trigger_instance: options.triggerInstance } : {}),
        });
        const rows = await client.request<Array<Record<string, unknown>>>(
          'GET',
          `/api/v1/ruleenforcements?${q}`,
        );
        if (options.json) printJson(rows);
        else
          printTable(
            rows.map((r) => ({ ...r, rule: (r.rule as { ref: string }).ref })),
            ['id', 'rule', 'trigger_instance_id', 'execution_id', 'status', 'failure_reason', 'enforced_at'],
          );
      });
    });

  program
    .command('trigger')
    .description('Trigger types')
    .command('list')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const rows = await client.request<Array<Record<string, unknown>>>('GET', '/api/v1/triggertypes');
        if (options.json) printJson(rows);
        else printTable(rows, ['ref', 'pack', 'description']);
      });
    });

  program
    .command('trigger-instance')
    .description('Trigger instances')
    .command('list')
    .option('--trigger <ref>', 'only this trigger type')
    .option('--status <status>', 'pending, processed, processing_failed')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action(async (options: { trigger?: string; status?: string; limit: string; json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const q = new URLSearchParams({ limit: options.limit });
        if (options.trigger) q.set('trigger', options.trigger);
        if (options.status) q.set('status', options.status);
        const rows = await client.request<Array<Record<string, unknown>>>(
          'GET',
          `/api/v1/triggerinstances?${q}`,
        );
        if (options.json) printJson(rows);
        else printTable(rows, ['id', 'trigger', 'status', 'occurrence_time']);
      });
    });

  program
    .command('webhook')
    .description('Webhooks')
    .command('post <url> <json>')
    .description('POST a JSON body to /api/v1/webhooks/<url> as the local admin')
    .action(async (url: string, json: string) => {
      try {
        JSON.parse(json);
      } catch {
        process.stderr.write('error: the body is not valid JSON\n');
        process.exitCode = 1;
        return;
      }
      await withClient(program.opts(), async (client) => {
        const result = await client.request<{ id: string }>('POST', `/api/v1/webhooks/${url}`, json);
        process.stdout.write(`accepted: trigger instance ${result.id}\n`);
      });
    });
}
