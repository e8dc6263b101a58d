import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineFixture, startEngine } from '../helpers/engine-fixture.ts';

// A mistyped filter or page size must say so (400 naming the parameter and what it takes), not answer with an
// empty list or the default page that looks like "nothing happened".
describe('list endpoints check their query parameters', () => {
  let fx: EngineFixture;
  let executionId: string;

  beforeAll(async () => {
    fx = await startEngine();
    const requested = await fx.engine.run(
      { action: 'core.noop', parameters: {}, context: { user: 'admin' } },
      fx.engine.rbac.principal('admin'),
    );
    executionId = (await fx.engine.waitForExecution(requested.id)).id;
  });
  afterAll(async () => fx?.close());

  const get = (url: string) =>
    fx.app.inject({ method: 'GET', url, headers: { 'x-auth-token': fx.adminToken } });

  it.each([
    ['/api/v1/executions?status=sucess', /"status": unknown "sucess"; expected one of requested, scheduled/],
    ['/api/v1/executions?status=succeeded,bogus', /unknown "bogus"/],
    ['/api/v1/executions?limit=abc', /"limit" must be a whole number from 1 to 1000, got "abc"/],
    ['/api/v1/executions?limit=0', /"limit" must be a whole number from 1/],
    ['/api/v1/executions?limit=2.5', /"limit" must be a whole number/],
    ['/api/v1/executions?offset=-1', /"offset" must be a whole number from 0, got "-1"/],
    [
      '/api/v1/triggerinstances?status=done',
      /expected one of pending, processing, processed, processing_failed/,
    ],
    ['/api/v1/triggerinstances?status=pending,processed', /takes one status here/],
    ['/api/v1/triggerinstances?limit=ten', /"limit" must be a whole number/],
    ['/api/v1/ruleenforcements?limit=-3', /"limit" must be a whole number/],
    ['/api/v1/inquiries?status=open', /expected one of pending, succeeded, timeout, canceled/],
    ['/api/v1/executions?since=yesterday', /"since" must be an ISO-8601 time .* or a duration back from now/],
    ['/api/v1/executions?until=2026-13-45', /"until" must be an ISO-8601 time/],
    ['/api/v1/executions?timestamp_gt=5 weeks', /"since" must be/],
  ])('GET %s → 400', async (url, message) => {
    const response = await get(url);
    expect(response.statusCode).toBe(400);
    expect(response.json().faultstring).toMatch(message);
  });

  it('an output position that is not a number is a 400 too', async () => {
    const response = await get(`/api/v1/executions/${executionId}/output?after=last`);
    expect(response.statusCode).toBe(400);
    expect(response.json().faultstring).toMatch(/"after" must be a whole number from 0/);
  });

  it("filters by user and by a start-time window (ISO time, duration back from now, or st2's timestamp_gt/lt)", async () => {
    const ids = async (url: string) => {
      const response = await get(url);
      expect(response.statusCode, response.body).toBe(200);
      return (response.json() as Array<{ id: string }>).map((e) => e.id);
    };
    expect(await ids('/api/v1/executions?user=admin')).toContain(executionId);
    expect(await ids('/api/v1/executions?user=alice')).toEqual([]);
    expect(await ids('/api/v1/executions?since=1h')).toContain(executionId);
    expect(await ids('/api/v1/executions?until=1h')).toEqual([]);
    expect(await ids('/api/v1/executions?since=2020-01-01&until=2020-01-02T00:00')).toEqual([]);
    const started = fx.engine.getExecution(executionId)!.start_timestamp;
    const later = new Date(Date.parse(started) + 1).toISOString();
    expect(await ids(`/api/v1/executions?timestamp_gt=${started}`)).toContain(executionId);
    expect(await ids(`/api/v1/executions?timestamp_gt=${later}`)).toEqual([]);
    expect(
      await ids(`/api/v1/executions?timestamp_lt=${encodeURIComponent(later.replace('Z', '+00:00'))}`),
    ).toContain(executionId);
  });

  it('valid filters still work: several statuses, a page size above the cap is capped (X-Limit says so)', async () => {
    const both = await get('/api/v1/executions?status=succeeded,failed&limit=5000');
    expect(both.statusCode).toBe(200);
    expect(both.headers['x-limit']).toBe('1000');
    expect((both.json() as Array<{ id: string }>).map((e) => e.id)).toContain(executionId);
    const none = await get('/api/v1/executions?status=failed');
    expect(none.json()).toEqual([]);
    expect((await get('/api/v1/triggerinstances?status=pending&limit=1')).statusCode).toBe(200);
    expect((await get('/api/v1/inquiries?status=pending')).statusCode).toBe(200);
    expect((await get(`/api/v1/executions/${executionId}/output?after=0`)).statusCode).toBe(200);
  });
});
