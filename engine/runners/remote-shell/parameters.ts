import type { ParameterSchema } from '../../model/index.ts';

/** st2 contrib/runners/remote_runner/remote_runner/runner.yaml, `remote-shell-cmd`. */
export const REMOTE_SHELL_CMD_PARAMETERS: ParameterSchema = {
  bastion_host: {
    description:
      'The host SSH connections will be proxied through. Note: This connection is made using the same parameters as the final connection.',
    required: false,
    type: 'string',
  },
  cmd: { description: 'Arbitrary Linux command to be executed on the remote host(s).', type: 'string' },
  cwd: {
    default: '/tmp',
    description: 'Working directory where the script will be executed in',
    type: 'string',
  },
  dir: {
    default: '/tmp',
    description: 'The working directory where the script will be copied to on the remote host.',
    immutable: true,
    type: 'string',
  },
  env: {
    description: 'Environment variables which will be available to the command(e.g. key1=val1,key2=val2)',
    type: 'object',
  },
  hosts: {
    description:
      'A comma delimited string of a list of hosts where the remote command will be executed. For example: example1.com,example2.com,example3.com:5555',
    required: true,
    type: 'string',
  },
  kwarg_op: {
    default: '--',
    description: 'Operator to use in front of keyword args i.e. "--" or "-".',
    type: 'string',
  },
  parallel: {
    default: false,
    description: 'Default to parallel execution.',
    immutable: true,
    type: 'boolean',
  },
  passphrase: {
    description: 'Passphrase for the private key, if needed.',
    required: false,
    secret: true,
    type: 'string',
  },
  password: {
    description: 'Password used to log in. If not provided, private key from the config file is used.',
    required: false,
    secret: true,
    type: 'string',
  },
  port: {
    description: 'SSH port. If not specified as part of the hosts list, default port will be used (22).',
    required: false,
    type: 'integer',
  },
  private_key: {
    description: 'Private key material or path to the private key file on disk used to log in.',
    required: false,
    secret: true,
    type: 'string',
  },
  sudo: { default: false, description: 'The remote command will be executed with sudo.', type: 'boolean' },
  sudo_password: {
    default: null,
    description: 'Sudo password. To be used when paswordless sudo is not allowed.',
    type: 'string',
    required: false,
    secret: true,
  },
  timeout: {
    default: 60,
    description: "Action timeout in seconds. Action will get killed if it doesn't finish in timeout seconds.",
    type: 'integer',
  },
  username: {
    description: 'Username used to log-in. If not provided, default username from config is used.',
    required: false,
    type: 'string',
  },
};

const { cmd: _cmd, dir: cmdDir, ...SHARED } = REMOTE_SHELL_CMD_PARAMETERS;
// The script runner's `dir` is not immutable (an action may choose where its script is copied).
const { immutable: _immutable, ...SCRIPT_DIR } = cmdDir!;

/** st2 contrib/runners/remote_runner/remote_runner/runner.yaml, `remote-shell-script`. */
export const REMOTE_SHELL_SCRIPT_PARAMETERS: ParameterSchema = {
  ...SHARED,
  cwd: { ...SHARED.cwd!, description: 'Working directory where the script will be executed in.' },
  dir: SCRIPT_DIR,
  env: {
    description: 'Environment variables which will be available to the script(e.g. key1=val1,key2=val2)',
    type: 'object',
  },
  private_key: {
    ...SHARED.private_key!,
    // st2's script runner says "material, NOT path"; Squall accepts both for both runners.
    description: 'Private key material or path to the private key file on disk used to log in.',
  },
};
