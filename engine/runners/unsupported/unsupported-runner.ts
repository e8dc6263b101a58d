import type { ParameterSchema } from '../../model/index.ts';
import type { Runner, RunnerResult } from '../runner.ts';

const TIMEOUT_60: ParameterSchema[string] = {
  default: 60,
  description: "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds.",
  type: 'integer',
};

const WINRM_PARAMETERS: ParameterSchema = {
  cmd: { description: 'Arbitrary command to be executed on the remote host(s).', type: 'string' },
  cwd: { description: 'Working directory where the command will be executed in', type: 'string' },
  env: { description: 'Environment variables which will be available to the command', type: 'object' },
  host: { description: 'A host where the command will be run', required: true, type: 'string' },
  password: { description: 'Password used to log in.', required: true, secret: true, type: 'string' },
  port: { default: 5986, description: 'WinRM port to connect on.', required: false, type: 'integer' },
  scheme: {
    default: 'https',
    description: 'Scheme to use in the WinRM URL.',
    required: false,
    type: 'string',
  },
  timeout: TIMEOUT_60,
  transport: {
    default: 'ntlm',
    description: 'The type of transport that WinRM will use to communicate.',
    required: false,
    type: 'string',
    enum: ['basic', 'certificate', 'credssp', 'kerberos', 'ntlm', 'plaintext', 'ssl'],
  },
  username: { description: 'Username used to log-in.', required: true, type: 'string' },
  verify_ssl_cert: { default: true, description: 'Verify the HTTPS certificate.', type: 'boolean' },
};

const { cmd: _cmd, ...WINRM_SCRIPT_PARAMETERS } = WINRM_PARAMETERS;

/**
 * st2 runner types Squall does not run yet, with st2's parameter schemas so their actions still load (and
 * their parameters validate); running one fails with a clear message.
 */
export const UNSUPPORTED_RUNNER_SCHEMAS: Record<string, ParameterSchema> = {
  'python-script': {
    debug: { description: 'Enable runner debug mode.', type: 'boolean', required: false, default: false },
    content_version: {
      description: 'Git revision of the pack content to use.',
      type: 'string',
      required: false,
    },
    env: { description: 'Environment variables which will be available to the script.', type: 'object' },
    timeout: { ...TIMEOUT_60, default: 600 },
    log_level: {
      description: 'Default log level for Python runner actions.',
      type: 'string',
      default: 'DEBUG',
      enum: ['AUDIT', 'CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG'],
    },
  },
  'winrm-cmd': WINRM_PARAMETERS,
  'winrm-ps-cmd': WINRM_PARAMETERS,
  'winrm-ps-script': WINRM_SCRIPT_PARAMETERS,
};

/** A runner that fails every run with `runner "<name>" is not supported yet`. */
export function unsupportedRunner(name: string): Runner {
  return {
    name,
    parameters: UNSUPPORTED_RUNNER_SCHEMAS[name] ?? {},
    async run(ctx): Promise<RunnerResult> {
      return {
        status: 'failed',
        result: { error: `runner "${name}" is not supported yet (action ${ctx.action.ref})` },
      };
    },
  };
}
