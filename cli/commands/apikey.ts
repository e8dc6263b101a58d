import type { Command } from 'commander';
import { printJson, printTable } from '../output.ts';
import { withClient } from '../session.ts';

export function registerApiKeyCommands(program: Command): void {
  const apikey = program.command('apikey').description('API keys for HTTP clients (St2-Api-Key header)');
  apikey
    .command('create')
    .description('Create an API key; it is printed once, only its hash is stored')
    .option('--user <user>', 'user the key acts as', 'admin')
    .option('--name <name>', 'a name to recognise it by')
    .option('--json', 'print JSON')
    .action(async (options: { user: string; name?: string; json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const created = await client.request<{ id: string; key: string; user: string }>(
          'POST',
          '/api/v1/apikeys',
          {
            user: options.user,
            name: options.name,
          },
        );
        if (options.json) printJson(created);
        else
          process.stdout.write(
            `${created.key}\n(id ${created.id}, user ${created.user}; this key is not shown again)\n`,
          );
      });
    });
  apikey
    .command('list')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const keys = await client.request<Array<Record<string, unknown>>>('GET', '/api/v1/apikeys');
        if (options.json) printJson(keys);
        else printTable(keys, ['id', 'name', 'user', 'enabled', 'created_at']);
      });
    });
  apikey
    .command('delete <id>')
    .description('Delete an API key by id or name')
    .action(async (id: string) => {
      await withClient(program.opts(), async (client) => {
        await client.request('DELETE', `/api/v1/apikeys/${encodeURIComponent(id)}`);
        process.stdout.write(`deleted API key ${id}\n`);
      });
    });
}
