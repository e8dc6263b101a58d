import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Engine, EngineRequestError } from '../../engine/engine.ts';
import type { EngineEventName } from '../../engine/events/event-bus.ts';
import { type ExecutionRecord, isCompleted } from '../../engine/model/index.ts';

function openSse(reply: FastifyReply): (event: string, data: unknown) => void {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  reply.raw.write(': connected\n\n');
  return (event, data) => {
    reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}

const STREAM_EVENTS: Array<[EngineEventName, string]> = [
  ['execution__create', 'st2.execution__create'],
  ['execution__update', 'st2.execution__update'],
  ['execution__output', 'st2.execution.output__create'],
  ['trigger_instance__create', 'st2.trigger_instance__create'],
  ['inquiry__create', 'st2.inquiry__create'],
  ['inquiry__update', 'st2.inquiry__update'],
  ['announcement', 'st2.announcement__chatops'],
];

/** Server-sent events with StackStorm's names (`st2.execution__update`, ...). */
export async function registerStreamRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  app.get<{ Querystring: { events?: string; execution_ids?: string } }>(
    '/stream/v1/stream',
    async (request, reply) => {
      const wanted = request.query.events ? new Set(request.query.events.split(',')) : undefined;
      const ids = request.query.execution_ids ? new Set(request.query.execution_ids.split(',')) : undefined;
      const send = openSse(reply);
      const offs = STREAM_EVENTS.filter(([, name]) => !wanted || wanted.has(name)).map(([event, name]) =>
        engine.events.on(event, (payload) => {
          const id =
            (payload as { id?: string; execution_id?: string }).execution_id ??
            (payload as { id?: string }).id;
          if (ids && (!id || !ids.has(id))) return;
          send(name, payload);
        }),
      );
      const keepAlive = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
      request.raw.on('close', () => {
        clearInterval(keepAlive);
        for (const off of offs) off();
      });
    },
  );

  /**
   * Live output of one execution: stored chunks first, then new ones, ending when the execution completes (the
   * final record as `st2.execution__update`, then `EOF`). Meanwhile `squall.execution.progress` events report each
   * status change of the execution and of the executions under it (workflow tasks, at any depth), so a follower can
   * say which task runs or waits for an approval.
   */
  app.get<{ Params: { id: string } }>('/stream/v1/executions/:id/output', async (request, reply) => {
    const id = request.params.id;
    const record = engine.getExecution(id);
    if (!record) throw new EngineRequestError(`execution "${id}" not found`, 404);
    const send = openSse(reply);
    let lastSeq = -1;
    const family = new Set([id]);
    const lastStatus = new Map<string, string>();
    const progress = (rec: ExecutionRecord) => {
      if (lastStatus.get(rec.id) === rec.status) return;
      lastStatus.set(rec.id, rec.status);
      send('squall.execution.progress', {
        id: rec.id,
        action: rec.action,
        status: rec.status,
        parent: parentOf(rec),
        task_id: rec.context.parent?.task_id,
        item_id: rec.context.parent?.item_id,
      });
    };
    const finish = (final: unknown) => {
      send('st2.execution__update', final);
      send('EOF', {});
      reply.raw.end();
    };
    const offOutput = engine.events.on('execution__output', (chunk) => {
      if (chunk.execution_id !== id || chunk.seq <= lastSeq) return;
      lastSeq = chunk.seq;
      send('st2.execution.output__create', chunk);
    });
    const onRecord = (rec: ExecutionRecord) => {
      if (rec.id === id) {
        if (!isCompleted(rec.status)) return progress(rec);
        cleanup();
        return finish(rec);
      }
      const parent = parentOf(rec);
      if (parent === undefined || !family.has(parent)) return;
      family.add(rec.id);
      progress(rec);
    };
    const offCreate = engine.events.on('execution__create', onRecord);
    const offUpdate = engine.events.on('execution__update', onRecord);
    const cleanup = () => {
      offOutput();
      offCreate();
      offUpdate();
    };
    for (const chunk of engine.executionOutput(id)) {
      lastSeq = Math.max(lastSeq, chunk.seq);
      send('st2.execution.output__create', chunk);
    }
    const current = engine.getExecution(id)!;
    if (isCompleted(current.status)) {
      cleanup();
      finish(current);
      return;
    }
    // Following one already under way: where it and its tasks stand now.
    progress(current);
    for (const child of engine.listExecutions({ parent: id, order: 'asc', limit: 1000 })) {
      family.add(child.id);
      progress(child);
    }
    request.raw.on('close', cleanup);
  });
}

/** The execution a task runs under (the record's `parent`, or its context's for runners that only set that). */
function parentOf(rec: ExecutionRecord): string | undefined {
  return rec.parent ?? rec.context.parent?.execution_id;
}
