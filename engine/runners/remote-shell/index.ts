import type { Runner } from '../runner.ts';
import {
  type RemoteRunnerOptions,
  RemoteShellCommandRunner,
  RemoteShellScriptRunner,
} from './remote-runner.ts';

export { type HostTarget, parseHost, parseHosts } from './hosts.ts';
export { KnownHosts, knownHostName } from './known-hosts.ts';
export { REMOTE_SHELL_CMD_PARAMETERS, REMOTE_SHELL_SCRIPT_PARAMETERS } from './parameters.ts';
export { buildInvocation, buildKill, buildPayload, quoteValue, type RemotePlan } from './remote-command.ts';
export {
  type HostResult,
  type RemoteRunnerOptions,
  RemoteShellCommandRunner,
  RemoteShellScriptRunner,
} from './remote-runner.ts';
export { SshConnection, type SshCredentials, SshError } from './ssh-connection.ts';

/**
 * The SSH runners: `remote-shell-cmd` and `remote-shell-script`, plus st2's aliases `run-remote` and
 * `run-remote-script` (same instances). Register each under its `name`.
 */
export function createRemoteRunners(options: RemoteRunnerOptions = {}): Runner[] {
  return [new RemoteShellCommandRunner(options), new RemoteShellScriptRunner(options)];
}

/** st2's older runner names for the same runners. */
export const REMOTE_RUNNER_ALIASES: Readonly<Record<string, string>> = {
  'run-remote': 'remote-shell-cmd',
  'run-remote-script': 'remote-shell-script',
};
