import type { ParameterSchema } from '../../model/index.ts';
import type { Runner, RunnerContext, RunnerResult } from '../runner.ts';
import { splitParameters } from '../runner-support.ts';

/** st2 contrib/runners/announcement_runner runner.yaml. */
export const ANNOUNCEMENT_PARAMETERS: ParameterSchema = {
  experimental: {
    default: false,
    description: 'Flag to indicate acknowledgment of using experimental runner',
    required: true,
    type: 'boolean',
  },
  route: {
    default: 'general',
    description:
      'The routing_key used to route the message to consumers. Might be a list of words, delimited by dots.',
    maxLength: 255,
    minLength: 1,
    type: 'string',
  },
};

/**
 * `announcement`: publishes the action parameters on the event bus (`announcement` event) for chat and stream
 * consumers, like st2's AnnouncementDispatcher; the result is the payload.
 */
export class AnnouncementRunner implements Runner {
  readonly name = 'announcement';
  readonly parameters = ANNOUNCEMENT_PARAMETERS;

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    const { runnerParams, actionParams } = splitParameters(ctx, this.parameters);
    if (!runnerParams.experimental) {
      return {
        status: 'failed',
        result: {
          error: `Experimental flag is missing for action ${ctx.action.ref} (set parameter experimental: true)`,
        },
      };
    }
    const route =
      typeof runnerParams.route === 'string' && runnerParams.route !== '' ? runnerParams.route : 'general';
    ctx.services.events.emit('announcement', { route, execution_id: ctx.executionId, payload: actionParams });
    return { status: 'succeeded', result: actionParams };
  }
}
