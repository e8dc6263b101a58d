import { describe, expect, it } from 'vitest';
import type { Announcement } from '../../engine/events/event-bus.ts';
import { AnnouncementRunner } from '../../engine/runners/announcement/announcement-runner.ts';
import { createBuiltinRunners, lookupRunner } from '../../engine/runners/index.ts';
import { InquirerRunner, type InquiryRequest } from '../../engine/runners/inquirer/inquirer-runner.ts';
import { NoopRunner } from '../../engine/runners/noop/noop-runner.ts';
import { makeContext } from './runner-context.ts';

describe('noop', () => {
  it('succeeds with st2 result shape', async () => {
    expect(await new NoopRunner().run()).toEqual({
      status: 'succeeded',
      result: { failed: false, succeeded: true, return_code: 0, stdout: '', stderr: '' },
    });
  });
});

describe('announcement', () => {
  it('publishes the action parameters on the route and returns them', async () => {
    const ctx = makeContext({
      action: { runner_type: 'announcement' },
      parameters: { experimental: true, route: 'ops', message: { text: 'deploy done' } },
    });
    const seen: Announcement[] = [];
    ctx.events.on('announcement', (a) => seen.push(a));
    const { status, result } = await new AnnouncementRunner().run(ctx);
    expect(status).toBe('succeeded');
    expect(result).toEqual({ message: { text: 'deploy done' } });
    expect(seen).toEqual([
      { route: 'ops', execution_id: ctx.executionId, payload: { message: { text: 'deploy done' } } },
    ]);
  });

  it('defaults the route to "general" and requires the experimental flag', async () => {
    const ctx = makeContext({ parameters: { experimental: true, message: 'x' } });
    const routes: string[] = [];
    ctx.events.on('announcement', (a) => routes.push(a.route));
    await new AnnouncementRunner().run(ctx);
    expect(routes).toEqual(['general']);
    const off = await new AnnouncementRunner().run(makeContext({ parameters: { experimental: false } }));
    expect(off.status).toBe('failed');
  });
});

describe('inquirer', () => {
  it('returns pending with st2 defaults and calls the onInquiry hook', async () => {
    const calls: InquiryRequest[] = [];
    const runner = new InquirerRunner({ onInquiry: async (_ctx, request) => void calls.push(request) });
    const ctx = makeContext({ parameters: { users: ['ada'], ttl: 5 } });
    const { status, result } = await runner.run(ctx);
    expect(status).toBe('pending');
    expect(result).toEqual({
      schema: runner.parameters.schema!.default,
      route: '',
      users: ['ada'],
      roles: [],
      ttl: 5,
    });
    expect(calls).toEqual([result]);
  });

  it('fails when the hook cannot create the inquiry', async () => {
    const runner = new InquirerRunner({
      onInquiry: async () => {
        throw new Error('store down');
      },
    });
    const { status, result } = await runner.run(makeContext({}));
    expect(status).toBe('failed');
    expect((result as { error: string }).error).toMatch(/store down/);
  });
});

describe('createBuiltinRunners / lookupRunner', () => {
  it('registers every built-in runner type with st2 parameter schemas', () => {
    const runners = createBuiltinRunners({ httpAllowHosts: ['127.0.0.1'] });
    for (const name of [
      'local-shell-cmd',
      'local-shell-script',
      'http-request',
      'noop',
      'announcement',
      'inquirer',
      'javascript',
      'nodejs',
    ]) {
      expect(runners.has(name), name).toBe(true);
    }
    expect(runners.get('nodejs')).toBe(runners.get('javascript'));
    const cmd = runners.get('local-shell-cmd')!.parameters;
    expect(cmd.sudo_password).toMatchObject({ secret: true, type: 'string' });
    expect(cmd.timeout).toMatchObject({ default: 60, type: 'integer' });
    expect(cmd.kwarg_op).toMatchObject({ default: '--' });
    expect(runners.get('http-request')!.parameters.allow_redirects).toMatchObject({ default: false });
    expect(runners.get('http-request')!.parameters.password).toMatchObject({ secret: true });
    expect(runners.get('inquirer')!.parameters.ttl).toMatchObject({ default: 1440 });
    expect(runners.get('announcement')!.parameters.route).toMatchObject({ default: 'general' });
  });

  it('st2 runner types Squall lacks fail when run, with their schema kept', async () => {
    const runners = createBuiltinRunners();
    const python = lookupRunner(runners, 'python-script');
    expect(python.parameters.timeout).toMatchObject({ default: 600 });
    const { status, result } = await python.run(makeContext({ action: { runner_type: 'python-script' } }));
    expect(status).toBe('failed');
    expect((result as { error: string }).error).toMatch(/^runner "python-script" is not supported yet/);
    const winrm = lookupRunner(runners, 'winrm-ps-cmd');
    expect(winrm.parameters.password).toMatchObject({ secret: true });
    expect(((await winrm.run(makeContext({}))).result as { error: string }).error).toMatch(
      /"winrm-ps-cmd" is not supported yet/,
    );
    expect(lookupRunner(runners, 'noop')).toBe(runners.get('noop'));
    // Registered in the map itself, so a caller using runners.get() fails at run time, not at request time.
    expect(runners.get('python-script')?.name).toBe('python-script');
    expect(createBuiltinRunners({ includeUnsupported: false }).has('python-script')).toBe(false);
    const unknown = await lookupRunner(runners, 'cloudslang').run(makeContext({}));
    expect((unknown.result as { error: string }).error).toMatch(/"cloudslang" is not supported yet/);
  });
});
