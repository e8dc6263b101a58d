import type { Command } from 'commander';
import type { InstallResult, PackShow, RemoveResult } from '../../engine/pack-install/pack-installer.ts';
import { printJson, printProblems, printTable } from '../output.ts';
import { withClient } from '../session.ts';

function packCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'pack') ?? program.command('pack').description('Packs');
}

/** st2's progress lines: `[ succeeded ] download`. */
export function formatSteps(result: InstallResult): string {
  return result.steps
    .map((s) => `\t[ ${s.status} ] ${s.step}${s.message ? `  ${s.message}` : ''}\n`)
    .join('');
}

/**
 * `squall pack install <git-url|path>[=<version>]...`, `squall pack remove <pack>...`, `squall pack show <pack>`.
 * Adds to the `pack` command that content.ts creates (call after registerContentCommands).
 */
export function registerPackLifecycleCommands(program: Command): void {
  const pack = packCommand(program);
  pack
    .command('install <packs...>')
    .description(
      'Install packs from git URLs or folders (`url=version` for a tag, branch or commit), with their dependencies; atomic',
    )
    .option('--force', 'replace installed dependencies whose version conflicts')
    .option('--json', 'print JSON')
    .action(async (packs: string[], options: { force?: boolean; json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        if (!options.json)
          process.stdout.write(
            `installing ${packs.length} pack(s) ${client.mode === 'server' ? 'through the running server' : 'in-process'}\n`,
          );
        const result = await client.request<InstallResult>('POST', '/api/v1/packs/install?report=true', {
          packs,
          force: options.force === true,
        });
        if (!result.ok) process.exitCode = result.errorKind === 'conflict' ? 3 : 1;
        if (options.json) return printJson(result);
        process.stdout.write(formatSteps(result));
        if (!result.ok) {
          process.stderr.write(`error: ${result.error}\n`);
          printProblems(result.problems ?? [], process.stderr, '  ');
          return;
        }
        process.stdout.write('\n');
        printTable(
          result.packs.map((p) => ({ ...p, dependency: p.dependency ? 'yes' : '' })),
          ['ref', 'version', 'dependency', 'source'],
        );
      });
    });
  pack
    .command('remove <packs...>')
    .alias('uninstall')
    .description('Remove installed packs (from the data dir) and unregister their content')
    .option('--json', 'print JSON')
    .action(async (packs: string[], options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const result = await client.request<RemoveResult>('POST', '/api/v1/packs/uninstall', { packs });
        if (options.json) return printJson(result);
        process.stdout.write(`removed ${result.removed.join(', ')}\n`);
      });
    });
  pack
    .command('show <pack>')
    .description('Pack metadata, location, git commit and content counts')
    .option('--json', 'print JSON')
    .action(async (ref: string, options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const shown = await client.request<PackShow>('GET', `/api/v1/packs/${encodeURIComponent(ref)}`);
        if (options.json) return printJson(shown);
        const rows: Array<[string, unknown]> = [
          ['ref', shown.ref],
          ['name', shown.name],
          ['version', shown.version],
          ['description', shown.description],
          ['author', shown.author],
          ['email', shown.email],
          ['dependencies', shown.dependencies.join(', ')],
          ['path', shown.path],
          ['builtin', shown.builtin],
          ['git commit', shown.git?.commit],
          ['git remote', shown.git?.remote],
          ...Object.entries(shown.content),
          ['problems', shown.problems.length],
        ];
        printTable(
          rows.filter(([, v]) => v !== undefined && v !== '').map(([field, value]) => ({ field, value })),
          ['field', 'value'],
        );
      });
    });
}
