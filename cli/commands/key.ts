import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import type { KvItem } from '../../engine/datastore/index.ts';
import { printJson, printTable } from '../output.ts';
import { withClient } from '../session.ts';

const COLUMNS = ['name', 'value', 'secret', 'encrypted', 'scope', 'user', 'expire_timestamp'];

function query(params: Record<string, string | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== false) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** `squall key ...`: the datastore (st2kv), with st2's columns. */
export function registerKeyCommands(program: Command): void {
  const key = program.command('key').description('Datastore keys (st2kv): scoped, optionally encrypted');
  key
    .command('set <name> <value>')
    .option('--encrypt', 'store the value encrypted')
    .option('--ttl <seconds>', 'expire after this many seconds')
    .option('--scope <scope>', 'system or user', 'system')
    .option('--user <user>', 'owner of a user-scope key (admins only)')
    .option('--json', 'print JSON')
    .action(
      async (
        name: string,
        value: string,
        o: { encrypt?: boolean; ttl?: string; scope: string; user?: string; json?: boolean },
      ) => {
        if (o.ttl !== undefined && !/^\d+$/.test(o.ttl))
          throw new Error('--ttl expects a whole number of seconds');
        await withClient(program.opts(), async (client) => {
          const item = await client.request<KvItem>('PUT', `/api/v1/keys/${encodeURIComponent(name)}`, {
            value,
            scope: o.scope,
            user: o.user,
            secret: o.encrypt === true,
            ttl: o.ttl !== undefined ? Number(o.ttl) : undefined,
          });
          if (o.json) printJson(item);
          else printTable([item as unknown as Record<string, unknown>], COLUMNS);
        });
      },
    );
  key
    .command('get <name>')
    .option('--decrypt', 'show an encrypted value in clear (your own keys; system secrets need admin)')
    .option('--scope <scope>', 'system or user', 'system')
    .option('--user <user>', 'owner of a user-scope key (admins only)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { decrypt?: boolean; scope: string; user?: string; json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const item = await client.request<KvItem>(
          'GET',
          `/api/v1/keys/${encodeURIComponent(name)}${query({ scope: o.scope, user: o.user, decrypt: o.decrypt })}`,
        );
        if (o.json) printJson(item);
        else printTable([item as unknown as Record<string, unknown>], COLUMNS);
      });
    });
  key
    .command('list')
    .option('--prefix <prefix>', 'only names starting with this')
    .option('--decrypt', 'show encrypted values in clear')
    .option('--scope <scope>', 'system, user or all', 'system')
    .option('--user <user>', 'whose user-scope keys (admins only)')
    .option('--json', 'print JSON')
    .action(
      async (o: { prefix?: string; decrypt?: boolean; scope: string; user?: string; json?: boolean }) => {
        await withClient(program.opts(), async (client) => {
          const items = await client.request<KvItem[]>(
            'GET',
            `/api/v1/keys${query({ prefix: o.prefix, decrypt: o.decrypt, scope: o.scope, user: o.user })}`,
          );
          if (o.json) printJson(items);
          else printTable(items as unknown as Array<Record<string, unknown>>, COLUMNS);
        });
      },
    );
  key
    .command('delete <name>')
    .option('--scope <scope>', 'system or user', 'system')
    .option('--user <user>', 'owner of a user-scope key (admins only)')
    .action(async (name: string, o: { scope: string; user?: string }) => {
      await withClient(program.opts(), async (client) => {
        await client.request(
          'DELETE',
          `/api/v1/keys/${encodeURIComponent(name)}${query({ scope: o.scope, user: o.user })}`,
        );
        process.stdout.write(`deleted key ${name}\n`);
      });
    });
  key
    .command('load <file>')
    .description('Load keys from a JSON or YAML list of {name, value, scope?, user?, secret?}')
    .option('--json', 'print JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const text = readFileSync(file, 'utf8');
      const items = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { version: '1.1' });
      const list = Array.isArray(items)
        ? items
        : Object.entries(items as Record<string, unknown>).map(([name, value]) => ({ name, value }));
      await withClient(program.opts(), async (client) => {
        const loaded = await client.request<KvItem[]>('POST', '/api/v1/keys/load', list);
        if (o.json) printJson(loaded);
        else process.stdout.write(`loaded ${loaded.length} keys\n`);
      });
    });
  key
    .command('rotate-key')
    .description('Re-encrypt every encrypted value under a new key (the old key file is kept as <key>.old)')
    .action(async () => {
      await withClient(program.opts(), async (client) => {
        const result = await client.request<{ rotated: number; key_path: string }>(
          'POST',
          '/api/v1/keys/rotate',
          {},
        );
        process.stdout.write(`re-encrypted ${result.rotated} values under a new key (${result.key_path})\n`);
      });
    });
}
