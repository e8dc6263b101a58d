import type { Command } from 'commander';
import { ConfigError, loadConfig, maskedConfig } from '../../engine/config/load-config.ts';
import { printJson } from '../output.ts';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Configuration');
  config
    .command('check')
    .description(
      'Print the effective configuration (secrets masked); exit 1 naming the key when it is invalid',
    )
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const global = program.opts<{ config?: string }>();
      try {
        const loaded = loadConfig({ file: global.config });
        const masked = maskedConfig(loaded);
        if (options.json) {
          printJson({ valid: true, file: loaded.file ?? null, warnings: loaded.warnings, config: masked });
          return;
        }
        process.stdout.write(`config file: ${loaded.file ?? '(none; defaults and environment)'}\n`);
        for (const [key, { value, source }] of Object.entries(masked))
          process.stdout.write(`${key} = ${JSON.stringify(value)}  (${source})\n`);
        for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
        process.stdout.write('configuration is valid\n');
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        if (options.json) printJson({ valid: false, key: err.key, source: err.source, error: err.message });
        else process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = 1;
      }
    });
}
