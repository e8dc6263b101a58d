import { AnnouncementRunner } from './announcement/announcement-runner.ts';
import { HttpRequestRunner } from './http-request/http-runner.ts';
import { type InquirerOptions, InquirerRunner } from './inquirer/inquirer-runner.ts';
import { JavascriptRunner } from './javascript/js-runner.ts';
import type { ActionEnvOptions } from './local-shell/action-env.ts';
import { LocalShellCommandRunner } from './local-shell/command-runner.ts';
import { LocalShellScriptRunner } from './local-shell/script-runner.ts';
import { NoopRunner } from './noop/noop-runner.ts';
import type { Runner } from './runner.ts';
import { UNSUPPORTED_RUNNER_SCHEMAS, unsupportedRunner } from './unsupported/unsupported-runner.ts';

export { AnnouncementRunner } from './announcement/announcement-runner.ts';
export { HttpRequestRunner } from './http-request/http-runner.ts';
export { HostPolicy, SsrfBlockedError } from './http-request/ssrf-guard.ts';
export { type InquirerOptions, InquirerRunner, type InquiryRequest } from './inquirer/inquirer-runner.ts';
export { JavascriptRunner } from './javascript/js-runner.ts';
export { LocalShellCommandRunner } from './local-shell/command-runner.ts';
export { runProcess } from './local-shell/process.ts';
export { buildScriptArgs, SECRET_ENV_PREFIX } from './local-shell/script-args.ts';
export { LocalShellScriptRunner } from './local-shell/script-runner.ts';
export { NoopRunner } from './noop/noop-runner.ts';
export type { ExecutionRequest, Runner, RunnerContext, RunnerResult, RunnerServices } from './runner.ts';
export { UNSUPPORTED_RUNNER_SCHEMAS, unsupportedRunner } from './unsupported/unsupported-runner.ts';

export interface BuiltinRunnerOptions extends ActionEnvOptions {
  /** config `runners.http.allowHosts`. */
  httpAllowHosts?: readonly string[];
  /** Creates the inquiry record when core.ask (inquirer) runs. */
  onInquiry?: InquirerOptions['onInquiry'];
  /** Grace between SIGTERM and SIGKILL of an action's process group. */
  killGraceMs?: number;
  /** Register python-script and winrm-* as runners that fail when run (default true). */
  includeUnsupported?: boolean;
}

/**
 * The runners Squall ships, by runner_type. `action-chain`, `orquesta` and `remote-shell-*` are registered by
 * their own modules; st2 runner types Squall lacks resolve through `lookupRunner` to a runner that fails.
 */
export function createBuiltinRunners(options: BuiltinRunnerOptions = {}): Map<string, Runner> {
  const env: ActionEnvOptions = {
    apiUrl: options.apiUrl,
    authToken: options.authToken,
    inheritEnv: options.inheritEnv,
  };
  const shell = { ...env, killGraceMs: options.killGraceMs };
  const javascript = new JavascriptRunner(shell);
  const runners: Runner[] = [
    new LocalShellCommandRunner(shell),
    new LocalShellScriptRunner(shell),
    new HttpRequestRunner({ allowHosts: options.httpAllowHosts }),
    new NoopRunner(),
    new AnnouncementRunner(),
    new InquirerRunner({ onInquiry: options.onInquiry }),
    javascript,
  ];
  const map = new Map<string, Runner>();
  // st2 runner types Squall lacks are present too, so their actions load and fail only when run.
  if (options.includeUnsupported !== false) {
    for (const name of Object.keys(UNSUPPORTED_RUNNER_SCHEMAS)) map.set(name, unsupportedRunner(name));
  }
  for (const runner of runners) map.set(runner.name, runner);
  map.set('nodejs', javascript);
  // st2 aliases
  map.set('run-local', map.get('local-shell-cmd')!);
  map.set('run-local-script', map.get('local-shell-script')!);
  map.set('http-runner', map.get('http-request')!);
  return map;
}

/** The runner for a runner_type, or one that fails with `runner "<name>" is not supported yet`. */
export function lookupRunner(runners: ReadonlyMap<string, Runner>, runnerType: string): Runner {
  return runners.get(runnerType) ?? unsupportedRunner(runnerType);
}

/** st2 runner types Squall knows by name but cannot run yet. */
export const UNSUPPORTED_RUNNER_TYPES: readonly string[] = Object.keys(UNSUPPORTED_RUNNER_SCHEMAS);
