import type { ParameterSchema } from '../../model/index.ts';
import type { Runner, RunnerContext, RunnerResult } from '../runner.ts';
import { splitParameters } from '../runner-support.ts';

/** st2 contrib/runners/inquirer_runner runner.yaml. */
export const INQUIRER_PARAMETERS: ParameterSchema = {
  schema: {
    default: {
      title: 'response_data',
      type: 'object',
      properties: {
        continue: {
          type: 'boolean',
          description: 'Would you like to continue the workflow?',
          required: true,
        },
      },
    },
    required: true,
    description: 'A JSON schema that will be used to validate the response data',
    type: 'object',
  },
  route: {
    default: '',
    required: false,
    description: 'An arbitrary value for allowing rules to route to proper notification channel',
    type: 'string',
  },
  roles: {
    default: [],
    required: false,
    description:
      'A list of roles that are permitted to respond to the action (if nothing provided, all are permitted) - REQUIRES RBAC FEATURES',
    type: 'array',
  },
  users: {
    default: [],
    required: false,
    description:
      'A list of usernames that are permitted to respond to the action (if nothing provided, all are permitted)',
    type: 'array',
  },
  ttl: {
    default: 1440,
    required: true,
    description: 'Time (in minutes) to wait before timing out the inquiry if no response is received',
    type: 'integer',
  },
};

export interface InquiryRequest {
  schema: Record<string, unknown>;
  route: string;
  users: string[];
  roles: string[];
  ttl: number;
}

export interface InquirerOptions {
  /**
   * Called before the runner returns `pending`: the inquiries service creates the inquiry record (and its
   * `inquiry__create` event) from `request`. An error fails the execution.
   */
  onInquiry?(ctx: RunnerContext, request: InquiryRequest): Promise<void>;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => String(v)) : [];
}

/**
 * `inquirer` (core.ask): leaves the execution `pending` with st2's result `{schema, route, users, roles, ttl}`;
 * the response later completes it through `services.completeExecution`.
 */
export class InquirerRunner implements Runner {
  readonly name = 'inquirer';
  readonly parameters = INQUIRER_PARAMETERS;

  constructor(private readonly options: InquirerOptions = {}) {}

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    const { runnerParams } = splitParameters(ctx, this.parameters);
    const schema =
      runnerParams.schema && typeof runnerParams.schema === 'object'
        ? (runnerParams.schema as Record<string, unknown>)
        : (INQUIRER_PARAMETERS.schema!.default as Record<string, unknown>);
    const ttl = typeof runnerParams.ttl === 'number' ? runnerParams.ttl : 1440;
    const request: InquiryRequest = {
      schema,
      route: typeof runnerParams.route === 'string' ? runnerParams.route : '',
      users: stringList(runnerParams.users),
      roles: stringList(runnerParams.roles),
      ttl,
    };
    if (this.options.onInquiry) {
      try {
        await this.options.onInquiry(ctx, request);
      } catch (error) {
        return {
          status: 'failed',
          result: {
            error: `could not create the inquiry: ${error instanceof Error ? error.message : String(error)}`,
          },
        };
      }
    }
    return { status: 'pending', result: { ...request } };
  }
}
