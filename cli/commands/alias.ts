/**
 * `squall alias list|match|execute`. `match --format` tries format strings without any pack (pure, no server);
 * the other forms read live aliases through the API (the running server, or in-process on the data dir).
 */
import type { Command } from 'commander';
import { type CliMatchResult, matchForCli } from '../../aliases/index.ts';
import type { AliasDefinition } from '../../engine/model/alias.ts';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import { followExecution } from '../follow-execution.ts';
import { printJson, printTable } from '../output.ts';
import { withClient } from '../session.ts';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function displays(alias: AliasDefinition): string[] {
  return alias.formats.flatMap((f) =>
    typeof f === 'string' ? [f] : f.display ? [f.display] : [f.representation ?? []].flat(),
  );
}

function printMatch(result: CliMatchResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else if ('error' in result) {
    process.stderr.write(`${result.error}\n`);
    if (result.candidates.length)
      process.stderr.write(
        `${result.kind === 'ambiguous' ? 'candidates' : 'did you mean'}:\n${result.candidates.map((c) => `  ${c}`).join('\n')}\n`,
      );
  } else {
    const sets = Array.isArray(result.params) ? result.params : [result.params];
    process.stdout.write(`alias: ${result.alias ?? '(--format)'}  format: ${result.format}\n`);
    for (const params of sets)
      for (const [k, v] of Object.entries(params)) process.stdout.write(`  ${k} = ${JSON.stringify(v)}\n`);
  }
  if ('error' in result) process.exitCode = 1;
}

export function registerAliasCommands(program: Command): void {
  const alias = program.command('alias').description('Action aliases: the chat commands');

  alias
    .command('list')
    .description('List registered aliases')
    .option('--pack <pack>', 'only this pack')
    .option('--json', 'print the alias definitions')
    .action(async (options: { pack?: string; json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const q = options.pack ? `?pack=${encodeURIComponent(options.pack)}` : '';
        const aliases = await client.request<AliasDefinition[]>('GET', `/api/v1/actionalias${q}`);
        if (options.json) return printJson(aliases);
        printTable(
          aliases.flatMap((a) =>
            displays(a).map((format, i) => ({
              ref: i === 0 ? a.ref : '',
              format,
              action: i === 0 ? a.action_ref : '',
              enabled: i === 0 ? a.enabled : '',
            })),
          ),
          ['ref', 'format', 'action', 'enabled'],
        );
      });
    });

  alias
    .command('match <command>')
    .description('Which alias and parameters a command gives (--format: try format strings, no pack needed)')
    .option('--format <format>', 'a format string to try (repeatable)', collect, [] as string[])
    .option('--json', 'print {"alias", "format", "params"} or {"error", "kind", "candidates"}')
    .action(async (command: string, options: { format: string[]; json?: boolean }) => {
      if (options.format.length > 0) {
        printMatch(matchForCli([], command, { formats: options.format }), options.json === true);
        return;
      }
      await withClient(program.opts(), async (client) => {
        const result = await client.request<CliMatchResult>('POST', '/api/v1/actionalias/match', { command });
        printMatch(result, options.json === true);
      });
    });

  alias
    .command('execute <command>')
    .description('Match a command and run it as you (waits for the result; exit code from its status)')
    .option('--async', 'print the execution ids and return at once')
    .action(async (command: string, options: { async?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const { results } = await client.request<{
          results: Array<{ execution: ExecutionRecord; actionalias: { ref: string }; message?: string }>;
        }>('POST', '/api/v1/aliasexecution/match_and_execute', { command, source_channel: 'cli' });
        let ok = true;
        for (const r of results) {
          process.stderr.write(`${r.message ?? `execution ${r.execution.id}`} [${r.actionalias.ref}]\n`);
          if (options.async) {
            process.stdout.write(`${r.execution.id}\n`);
            continue;
          }
          const { record: final, interrupted } = await followExecution(client, r.execution.id, {
            output: true,
            progress: true,
          });
          process.stderr.write(`execution ${final.id} (${final.action}) ${final.status}\n`);
          if (interrupted) {
            process.exitCode = 130;
            return;
          }
          if (final.status !== 'succeeded') ok = false;
        }
        process.exitCode = ok ? 0 : 1;
      });
    });
}
