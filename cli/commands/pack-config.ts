import type { Command } from 'commander';
import YAML from 'yaml';
import type { PackConfigView } from '../../engine/pack-configs/pack-config-service.ts';
import { printJson } from '../output.ts';
import { withClient } from '../session.ts';

function packCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === 'pack') ?? program.command('pack').description('Packs');
}

/** The human form: where the config comes from, then the effective values as YAML (secrets already masked). */
export function formatPackConfig(view: PackConfigView): string {
  const source = view.exists ? view.path : `${view.path} (no file: schema defaults only)`;
  const body = Object.keys(view.config).length ? YAML.stringify(view.config) : '{}\n';
  return `# pack ${view.pack}: ${source}\n${body}`;
}

/**
 * `squall pack config <pack> [--json]`: the pack's effective config (defaults applied), `secret: true` values
 * masked, datastore templates shown as written. An invalid config prints the values it has and the error
 * (file, key, expected type), exit 1. Adds to the `pack` command that content.ts creates.
 */
export function registerPackConfigCommands(program: Command): void {
  packCommand(program)
    .command('config <pack>')
    .description('Show the effective config of a pack (secrets masked)')
    .option('--json', 'print JSON')
    .action(async (pack: string, options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const view = await client.request<PackConfigView>(
          'GET',
          `/api/v1/packs/${encodeURIComponent(pack)}/config`,
        );
        if (view.error) process.exitCode = 1;
        if (options.json) return printJson(view);
        process.stdout.write(formatPackConfig(view));
        if (view.error) process.stderr.write(`error: ${view.error}\n`);
      });
    });
}
