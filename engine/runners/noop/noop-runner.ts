import type { Runner, RunnerResult } from '../runner.ts';

/** `noop`: does nothing and succeeds, with st2's result shape. */
export class NoopRunner implements Runner {
  readonly name = 'noop';
  readonly parameters = {};

  async run(): Promise<RunnerResult> {
    return {
      status: 'succeeded',
      result: { failed: false, succeeded: true, return_code: 0, stdout: '', stderr: '' },
    };
  }
}
