import type { Command } from 'commander';
import type { ExecutionRecord } from '../../engine/model/index.ts';
import { isCompleted } from '../../engine/model/index.ts';
import type { ApiClient } from '../api-client.ts';
import { followExecution } from '../follow-execution.ts';
import { parseKeyValues, printJson, printTable } from '../output.ts';
import { withClient } from '../session.ts';

interface ListOptions {
  action?: string;
  status?: string;
  user?: string;
  rule?: string;
  since?: string;
  until?: string;
  limit: string;
  json?: boolean;
}

function summary(record: ExecutionRecord): string {
  const took =
    record.end_timestamp && record.start_timestamp
      ? ` in ${((Date.parse(record.end_timestamp) - Date.parse(record.start_timestamp)) / 1000).toFixed(1)}s`
      : '';
  return `execution ${record.id} (${record.action}) ${record.status}${took}`;
}

/**
 * How `run` and `execution re-run` end: `--async` prints the new id (or record) at once; otherwise the execution is
 * followed (live output on a TTY), then the result or, with `--json`, the final record is printed, and the exit
 * code says whether it succeeded (as st2's `run` and `execution re-run` do).
 */
async function report(
  client: ApiClient,
  created: ExecutionRecord,
  options: { json?: boolean; async?: boolean },
): Promise<void> {
  if (options.async) {
    if (options.json) printJson(created);
    else process.stdout.write(`${created.id}\n`);
    return;
  }
  const live = !options.json && process.stdout.isTTY === true;
  const { record: final, interrupted } = await followExecution(client, created.id, {
    output: live,
    progress: !options.json,
    announce: options.json ? undefined : `execution ${created.id} requested`,
  });
  if (options.json) printJson(final);
  else {
    if (!live && !interrupted) printJson(final.result ?? null);
    process.stderr.write(`${summary(final)}\n`);
  }
  process.exitCode = interrupted ? 130 : final.status === 'succeeded' ? 0 : 1;
}

export function registerExecutionCommands(program: Command): void {
  program
    .command('run <ref> [params...]')
    .description('Run an action: squall run core.local cmd=uptime')
    .option('--json', 'print the final execution record')
    .option('--async', 'print the execution id and return at once')
    .action(async (ref: string, params: string[], options: { json?: boolean; async?: boolean }) => {
      const parameters = parseKeyValues(params);
      await withClient(program.opts(), async (client) => {
        const created = await client.request<ExecutionRecord>('POST', '/api/v1/executions', {
          action: ref,
          parameters,
        });
        await report(client, created, options);
      });
    });

  const execution = program.command('execution').description('Executions (the audit trail)');
  execution
    .command('list')
    .option('--action <ref>', 'only this action')
    .option('--status <status>', 'only this status (comma list)')
    .option('--user <user>', 'only executions run for this user')
    .option('--rule <ref>', 'only executions this rule requested')
    .option('--since <time>', 'started at or after: ISO-8601 time, or a duration back from now (30m, 2h, 7d)')
    .option('--until <time>', 'started before: ISO-8601 time, or a duration back from now')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action(async (options: ListOptions) => {
      await withClient(program.opts(), async (client) => {
        const q = new URLSearchParams({ limit: options.limit });
        for (const name of ['action', 'status', 'user', 'rule', 'since', 'until'] as const) {
          const value = options[name];
          if (value) q.set(name, value);
        }
        const rows = await client.request<ExecutionRecord[]>('GET', `/api/v1/executions?${q}`);
        if (options.json) printJson(rows);
        else
          printTable(
            rows.map((r) => ({ ...r, user: r.context.user, rule: r.context.rule?.ref })),
            ['id', 'action', 'status', 'user', 'rule', 'start_timestamp'],
          );
      });
    });
  execution
    .command('get <id>')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const record = await client.request<ExecutionRecord>(
          'GET',
          `/api/v1/executions/${encodeURIComponent(id)}`,
        );
        const children = await client.request<ExecutionRecord[]>(
          'GET',
          `/api/v1/executions/${encodeURIComponent(id)}/children`,
        );
        // Workflows and chains: their task executions with live statuses (task id, route, with-items item).
        const tasks = children.map((c) => ({
          task_id: c.context.parent?.task_id,
          route: c.context.parent?.route,
          item_id: c.context.parent?.item_id,
          execution_id: c.id,
          action: c.action,
          status: c.status,
        }));
        if (options.json)
          return printJson({
            ...record,
            children: children.map((c) => c.id),
            ...(tasks.length ? { tasks } : {}),
          });
        process.stdout.write(`${summary(record)}\n`);
        printJson({ parameters: record.parameters, context: record.context, result: record.result ?? null });
        if (children.length) {
          process.stdout.write('\nchildren:\n');
          printTable(
            children.map((c) => ({ ...c, task: c.context.parent?.task_id })),
            ['id', 'task', 'action', 'status', 'start_timestamp'],
          );
        }
      });
    });
  execution
    .command('tail <id>')
    .description('Follow the live output of an execution until it ends')
    .action(async (id: string) => {
      await withClient(program.opts(), async (client) => {
        const { record: final, interrupted } = await followExecution(client, id, {
          output: true,
          progress: true,
        });
        process.stderr.write(`${summary(final)}\n`);
        process.exitCode = interrupted
          ? 130
          : final.status === 'succeeded'
            ? 0
            : isCompleted(final.status)
              ? 1
              : 0;
      });
    });
  for (const [verb, method, status] of [
    ['cancel', 'DELETE', undefined],
    ['pause', 'PUT', 'pausing'],
    ['resume', 'PUT', 'resuming'],
  ] as const) {
    execution.command(`${verb} <id>`).action(async (id: string) => {
      await withClient(program.opts(), async (client) => {
        const record = await client.request<ExecutionRecord>(
          method,
          `/api/v1/executions/${encodeURIComponent(id)}`,
          status ? { status } : undefined,
        );
        process.stdout.write(`${summary(record)}\n`);
      });
    });
  }
  execution
    .command('re-run <id> [params...]')
    .description(
      'Run an execution again (same parameters unless overridden; workflows: --tasks to rerun from)',
    )
    .option('--tasks <tasks>', 'workflow tasks to rerun (comma list)')
    .option('--reset-items', 'with-items tasks: rerun every item, not only failed ones')
    .option('--json', 'print the final execution record (with --async: the new one)')
    .option('--async', 'print the new execution id and return at once')
    .action(
      async (
        id: string,
        params: string[],
        options: { tasks?: string; resetItems?: boolean; json?: boolean; async?: boolean },
      ) => {
        await withClient(program.opts(), async (client) => {
          const record = await client.request<ExecutionRecord>(
            'POST',
            `/api/v1/executions/${encodeURIComponent(id)}/re_run`,
            {
              parameters: parseKeyValues(params),
              tasks: options.tasks?.split(',').map((t) => t.trim()),
              reset_items: options.resetItems === true,
            },
          );
          await report(client, record, options);
        });
      },
    );

  const inquiry = program.command('inquiry').description('Inquiries (approvals asked by core.ask)');
  inquiry
    .command('list')
    .option('--status <status>', 'pending, succeeded, timeout')
    .option('--json', 'print JSON')
    .action(async (options: { status?: string; json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const q = options.status ? `?status=${encodeURIComponent(options.status)}` : '';
        const rows = await client.request<Array<Record<string, unknown>>>('GET', `/api/v1/inquiries${q}`);
        if (options.json) printJson(rows);
        else printTable(rows, ['id', 'status', 'route', 'users', 'roles', 'created_at', 'expires_at']);
      });
    });
  inquiry
    .command('get <id>')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const found = await client.request('GET', `/api/v1/inquiries/${encodeURIComponent(id)}`);
        printJson(found);
        void options;
      });
    });
  inquiry
    .command('respond <id> [response]')
    .description('Answer an inquiry with a JSON object (default {"continue": true})')
    .action(async (id: string, response: string | undefined) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(response ?? '{"continue": true}');
      } catch {
        process.stderr.write('error: the response is not valid JSON\n');
        process.exitCode = 1;
        return;
      }
      await withClient(program.opts(), async (client) => {
        await client.request('PUT', `/api/v1/inquiries/${encodeURIComponent(id)}`, { response: parsed });
        process.stdout.write(`inquiry ${id} answered\n`);
      });
    });

  program
    .command('gc')
    .description('Remove executions, output and trigger instances older than the retention settings')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withClient(program.opts(), async (client) => {
        const removed = await client.request<Record<string, number>>('POST', '/api/v1/gc', {});
        if (options.json) printJson(removed);
        else
          process.stdout.write(
            `removed ${removed.executions} executions, ${removed.triggerInstances} trigger instances, ${removed.output} output chunks\n`,
          );
      });
    });
}
