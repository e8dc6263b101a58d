import type { FastifyInstance } from 'fastify';
import { type Engine, EngineRequestError } from '../../engine/engine.ts';
import { EXECUTION_STATUSES } from '../../engine/model/index.ts';
import { LIST_LIMIT_MAX, limitParam, positionParam, statusesParam, timeParam } from '../query-params.ts';

interface ListQuery {
  action?: string;
  status?: string;
  parent?: string;
  user?: string;
  rule?: string;
  since?: string;
  until?: string;
  /** st2's names for since/until. */
  timestamp_gt?: string;
  timestamp_lt?: string;
  limit?: string;
  offset?: string;
}

function requireExecution(engine: Engine, id: string) {
  const record = engine.getExecution(id);
  if (!record) throw new EngineRequestError(`execution "${id}" not found`, 404);
  return record;
}

export async function registerExecutionRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  app.get<{ Querystring: ListQuery }>('/api/v1/executions', async (request, reply) => {
    const q = request.query;
    const limit = limitParam(q.limit, 50, LIST_LIMIT_MAX);
    const query = {
      action: q.action,
      status: statusesParam(q.status, EXECUTION_STATUSES),
      parent: q.parent,
      user: q.user || undefined,
      rule: q.rule || undefined,
      since: timeParam('since', q.since ?? q.timestamp_gt),
      until: timeParam('until', q.until ?? q.timestamp_lt),
      limit,
      offset: positionParam('offset', q.offset) ?? 0,
    };
    reply.header('X-Total-Count', String(engine.countExecutions(query))).header('X-Limit', String(limit));
    return engine.listExecutions(query);
  });

  app.post<{
    Body: { action?: string; parameters?: Record<string, unknown>; context?: Record<string, unknown> };
  }>('/api/v1/executions', async (request, reply) => {
    const body = request.body ?? {};
    if (typeof body.action !== 'string' || !body.action)
      throw new EngineRequestError('body field "action" is required: the action ref, e.g. core.local');
    if (
      body.parameters !== undefined &&
      (typeof body.parameters !== 'object' || Array.isArray(body.parameters))
    )
      throw new EngineRequestError('body field "parameters" must be an object');
    const principal = request.principal!;
    const record = await engine.run(
      {
        action: body.action,
        parameters: body.parameters ?? {},
        context: { user: principal.user, source: 'api' },
        // Parameters given over the API are data: they are never rendered as templates.
        untrustedParameters: Object.keys(body.parameters ?? {}),
      },
      principal,
    );
    return reply.code(201).send(record);
  });

  app.get<{ Params: { id: string } }>('/api/v1/executions/:id', async (request) =>
    requireExecution(engine, request.params.id),
  );

  app.get<{ Params: { id: string }; Querystring: { after?: string } }>(
    '/api/v1/executions/:id/output',
    async (request) => {
      requireExecution(engine, request.params.id);
      const after = positionParam('after', request.query.after);
      return engine.executionOutput(request.params.id, after);
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/executions/:id/children', async (request) => {
    requireExecution(engine, request.params.id);
    return engine.listExecutions({ parent: request.params.id, order: 'asc', limit: 10_000 });
  });

  app.delete<{ Params: { id: string } }>('/api/v1/executions/:id', async (request) =>
    engine.cancelExecution(request.params.id, request.principal!),
  );

  app.put<{ Params: { id: string }; Body: { status?: string } }>(
    '/api/v1/executions/:id',
    async (request) => {
      const status = request.body?.status;
      if (status === 'pausing' || status === 'paused')
        return engine.pauseExecution(request.params.id, request.principal!);
      if (status === 'resuming' || status === 'running')
        return engine.resumeExecution(request.params.id, request.principal!);
      if (status === 'canceling' || status === 'canceled')
        return engine.cancelExecution(request.params.id, request.principal!);
      throw new EngineRequestError('body field "status" must be one of pausing, resuming, canceling');
    },
  );

  app.post<{
    Params: { id: string };
    Body: { parameters?: Record<string, unknown>; tasks?: string[]; reset?: string[]; reset_items?: boolean };
  }>('/api/v1/executions/:id/re_run', async (request, reply) => {
    const body = request.body ?? {};
    const record = await engine.reRunExecution(request.params.id, request.principal!, {
      parameters: body.parameters,
      tasks: body.tasks,
      resetItems: body.reset_items ?? (body.reset?.length ?? 0) > 0,
    });
    return reply.code(201).send(record);
  });
}
