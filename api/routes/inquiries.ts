import type { FastifyInstance } from 'fastify';
import { type Engine, EngineRequestError } from '../../engine/engine.ts';
import { INQUIRY_STATUSES } from '../../engine/model/index.ts';
import { LIST_LIMIT_MAX, limitParam, statusParam } from '../query-params.ts';

export async function registerInquiryRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  app.get<{ Querystring: { status?: string; limit?: string } }>('/api/v1/inquiries', async (request) =>
    engine.listInquiries({
      status: statusParam(request.query.status, INQUIRY_STATUSES),
      limit: limitParam(request.query.limit, 100, LIST_LIMIT_MAX),
    }),
  );
  app.get<{ Params: { id: string } }>('/api/v1/inquiries/:id', async (request) => {
    const inquiry = engine.getInquiry(request.params.id);
    if (!inquiry) throw new EngineRequestError(`inquiry "${request.params.id}" not found`, 404);
    return inquiry;
  });
  app.put<{ Params: { id: string }; Body: { response?: Record<string, unknown> } }>(
    '/api/v1/inquiries/:id',
    async (request) => {
      const response = request.body?.response;
      if (!response || typeof response !== 'object' || Array.isArray(response))
        throw new EngineRequestError('body field "response" must be an object, e.g. {"continue": true}');
      return engine.respondInquiry(request.params.id, response, request.principal!);
    },
  );
}
