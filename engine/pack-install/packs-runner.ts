import type { PackReloadResult } from '../engine.ts';
import type { ParameterSchema } from '../model/index.ts';
import type { Runner, RunnerContext, RunnerResult } from '../runners/runner.ts';
import { splitParameters } from '../runners/runner-support.ts';
import type { PackInstaller } from './pack-installer.ts';

export const PACKS_RUNNER = 'squall-packs';

const PARAMETERS: ParameterSchema = {
  operation: {
    type: 'string',
    enum: ['install', 'uninstall', 'register'],
    required: true,
    description: 'What to do with the packs.',
  },
};

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  if (typeof value === 'string' && value.trim()) return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

/**
 * `squall-packs`: the packs pack's actions (packs.install, packs.uninstall, packs.register) run in the engine
 * itself, through the same PackInstaller as `squall pack install`, so a workflow or a chat command installs
 * atomically and the engine registers the result live. No token or HTTP call is involved.
 */
export class PacksRunner implements Runner {
  readonly name = PACKS_RUNNER;
  readonly parameters = PARAMETERS;
  readonly defaultTimeoutSeconds = 600;

  constructor(
    private readonly deps: {
      installer: () => PackInstaller | undefined;
      reload: () => Promise<PackReloadResult>;
      /** Installing packs runs their code: only admins (and rules/sensors as `system`) may. */
      mayManage?: (user: string | undefined) => boolean;
    },
  ) {}

  async run(ctx: RunnerContext): Promise<RunnerResult> {
    const { runnerParams, actionParams } = splitParameters(ctx, this.parameters);
    const installer = this.deps.installer();
    const operation = String(runnerParams.operation ?? '');
    const user = ctx.context.user;
    if (this.deps.mayManage && !this.deps.mayManage(user))
      return {
        status: 'failed',
        result: { error: `user "${user}" may not ${operation} packs: pack management is for admins` },
      };
    if (operation === 'register') {
      const result = await this.deps.reload();
      const errors = result.problems.filter((p) => p.severity === 'error');
      return {
        status: 'succeeded',
        result: {
          packs: result.packs,
          problems: errors.length,
          warnings: result.problems.length - errors.length,
        },
      };
    }
    if (!installer) return { status: 'failed', result: { error: 'pack installation is not available here' } };
    const packs = asList(actionParams.packs);
    if (!packs.length) return { status: 'failed', result: { error: 'parameter "packs" names no pack' } };
    if (operation === 'install') {
      const result = await installer.install(packs, {
        force: actionParams.force === true,
        onProgress: (step) =>
          step.status !== 'running' &&
          ctx.output('stdout', `[ ${step.status} ] ${step.step}${step.message ? `: ${step.message}` : ''}\n`),
      });
      return { status: result.ok ? 'succeeded' : 'failed', result };
    }
    if (operation === 'uninstall') {
      try {
        return { status: 'succeeded', result: await installer.remove(packs) };
      } catch (error) {
        return { status: 'failed', result: { error: (error as Error).message } };
      }
    }
    return { status: 'failed', result: { error: `unknown operation "${operation}"` } };
  }
}
