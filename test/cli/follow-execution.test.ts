import { describe, expect, it } from 'vitest';
import { inquiryHint, progressLine } from '../../cli/follow-execution.ts';

describe('following an execution: progress lines', () => {
  it('says which task runs or waits; the followed execution only when it waits, pauses or cancels', () => {
    const root = 'r1';
    expect(progressLine(root, { id: 'r1', action: 'examples.wf', status: 'running' })).toBeUndefined();
    expect(progressLine(root, { id: 'r1', action: 'examples.wf', status: 'paused' })).toBe(
      'execution r1 paused',
    );
    expect(
      progressLine(root, { id: 't1', action: 'core.echo', status: 'scheduled', task_id: 'check' }),
    ).toBeUndefined();
    expect(progressLine(root, { id: 't1', action: 'core.echo', status: 'failed', task_id: 'check' })).toBe(
      '  task check (core.echo) failed',
    );
    expect(progressLine(root, { id: 'a1', action: 'core.ask', status: 'pending', task_id: 'approve' })).toBe(
      '  task approve (core.ask) pending: waiting for a response',
    );
  });

  it('items of a with-items task get a line only when they need attention', () => {
    const item = { id: 'i7', action: 'core.local', task_id: 'ping', item_id: 7 };
    expect(progressLine('r1', { ...item, status: 'running' })).toBeUndefined();
    expect(progressLine('r1', { ...item, status: 'succeeded' })).toBeUndefined();
    expect(progressLine('r1', { ...item, status: 'failed' })).toBe('  task ping[7] (core.local) failed');
  });

  it('shows what an inquiry asks and an answer built from its schema', () => {
    expect(
      inquiryHint({
        id: 'a1',
        schema: {
          properties: {
            approved: { type: 'boolean', description: 'Restart the service now?' },
            env: { type: 'string', enum: ['prod', 'staging'] },
            note: { type: 'string' },
          },
          required: ['approved', 'env'],
        },
      }),
    ).toEqual([
      '    ? Restart the service now? (approved: boolean)',
      '    ? env (env: "prod" | "staging")',
      '    ? note (note: string)',
      `    answer: squall inquiry respond a1 '{"approved":true,"env":"prod"}'`,
    ]);
  });
});
