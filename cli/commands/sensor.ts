import type { Command } from 'commander';
import type { SensorStatus } from '../../engine/sensors/sensor-host.ts';
import { printJson, printTable } from '../output.ts';
import { withClient } from '../session.ts';

/** `squall sensor list [--pack p] [--json]`: each sensor's state, restarts and last error. */
export function registerSensorCommands(program: Command): void {
  program
    .command('sensor')
    .description('Sensors')
    .command('list')
    .option('--pack <pack>', 'only this pack')
    .option('--json', 'print JSON')
    .action(async (options: { pack?: string; json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const q = options.pack ? `?pack=${encodeURIComponent(options.pack)}` : '';
        const rows = await client.request<SensorStatus[]>('GET', `/api/v1/sensors${q}`);
        if (options.json) return printJson(rows);
        if (client.mode === 'in-process')
          process.stdout.write('(no server is running: sensors run only in `squall start`)\n');
        printTable(
          rows.map((r) => ({ ...r, trigger_types: r.trigger_types.join(', ') })),
          ['ref', 'state', 'restarts', 'poll_interval', 'trigger_types', 'last_error'],
        );
      });
    });
}
