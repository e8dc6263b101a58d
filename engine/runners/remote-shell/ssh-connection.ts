import type { Duplex } from 'node:stream';
import type { AuthenticationType, ClientChannel, ConnectConfig, ParsedKey, SFTPWrapper } from 'ssh2';
import ssh2 from 'ssh2';
import type { HostTarget } from './hosts.ts';
import { algorithmsForKeyType, type KnownHosts } from './known-hosts.ts';

const { Client } = ssh2;
type SshClient = InstanceType<typeof Client>;

/** Credentials of one execution (st2: the same for every host and for the bastion). */
export interface SshCredentials {
  username: string;
  password?: string;
  /** The private key, parsed (and decrypted) from the parameter's material or file. */
  privateKey?: ParsedKey;
  passphrase?: string;
}

export interface SshConnectOptions {
  target: HostTarget;
  credentials: SshCredentials;
  /** Host keys to check against; `undefined` means checking is off (explicit configuration only). */
  knownHosts?: KnownHosts;
  /** Handshake + authentication must finish within this time. */
  connectTimeoutMs: number;
  signal: AbortSignal;
  /** A stream through a bastion (forwardOut) instead of a TCP connection. */
  sock?: Duplex;
  /** Label of the bastion, for messages. */
  via?: string;
  keepaliveIntervalMs?: number;
}

export type SshErrorKind = 'connect' | 'timeout' | 'auth' | 'host-key' | 'aborted' | 'channel';

/** A failure talking to a host, with a message that says what to check. */
export class SshError extends Error {
  constructor(
    message: string,
    readonly kind: SshErrorKind,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

/** All host-key algorithms ssh2 speaks (ssh-dss left out), in its order of preference. */
const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;
type HostKeyAlgorithm = (typeof HOST_KEY_ALGORITHMS)[number];

/** Known key types first, so the server proves the key known_hosts has (OpenSSH does the same). */
function hostKeyAlgorithms(knownTypes: string[]): HostKeyAlgorithm[] {
  const preferred = knownTypes
    .flatMap(algorithmsForKeyType)
    .filter((a): a is HostKeyAlgorithm => (HOST_KEY_ALGORITHMS as readonly string[]).includes(a));
  return [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];
}

function authMethods(credentials: SshCredentials): ConnectConfig['authHandler'] {
  const { username, password, privateKey, passphrase } = credentials;
  // Explicit order, no `none` and no agent: only what the execution was given is tried.
  const queue: Array<Record<string, unknown> & { type: AuthenticationType }> = [];
  if (privateKey) queue.push({ type: 'publickey', username, key: privateKey, passphrase });
  if (password) {
    queue.push({ type: 'password', username, password });
    queue.push({
      type: 'keyboard-interactive',
      username,
      prompt: (_n: string, _i: string, _l: string, prompts: unknown[], finish: (answers: string[]) => void) =>
        finish(prompts.map(() => password)),
    });
  }
  return ((_left: unknown, _partial: unknown, next: (method: unknown) => void) => {
    next(queue.shift() ?? false);
  }) as unknown as ConnectConfig['authHandler'];
}

function describeTarget(options: SshConnectOptions): string {
  const { target } = options;
  const where = `${target.host}:${target.port}`;
  return options.via ? `${where} (through bastion ${options.via})` : where;
}

/** One SSH connection to one host, used for every channel of an execution on that host. */
export class SshConnection {
  readonly #client: SshClient;
  #closed = false;

  private constructor(
    client: SshClient,
    readonly label: string,
  ) {
    this.#client = client;
    client.on('close', () => {
      this.#closed = true;
    });
  }

  static connect(options: SshConnectOptions): Promise<SshConnection> {
    const { target, credentials, knownHosts, signal } = options;
    const where = describeTarget(options);
    return new Promise<SshConnection>((resolve, reject) => {
      if (signal.aborted) {
        reject(new SshError(`not connected to ${where}: the execution was stopped`, 'aborted'));
        return;
      }
      if (!credentials.password && !credentials.privateKey) {
        reject(
          new SshError(
            `no credentials for ${credentials.username}@${where}: give "password" or "private_key" (or configure a default key)`,
            'auth',
          ),
        );
        return;
      }
      const client = new Client();
      let hostKeyProblem: string | undefined;
      let settled = false;
      const finish = (error?: SshError) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (error) {
          client.removeAllListeners('ready');
          client.on('error', () => {}); // late errors of a connection we gave up on
          client.end();
          client.destroy();
          reject(error);
        } else {
          resolve(new SshConnection(client, target.label));
        }
      };
      const onAbort = () =>
        finish(new SshError(`connecting to ${where} was interrupted: the execution was stopped`, 'aborted'));
      signal.addEventListener('abort', onAbort, { once: true });

      const config: ConnectConfig = {
        host: options.sock ? undefined : target.host,
        port: options.sock ? undefined : target.port,
        sock: options.sock,
        username: credentials.username,
        readyTimeout: options.connectTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: 4,
        authHandler: authMethods(credentials),
        tryKeyboard: Boolean(credentials.password),
      };
      if (knownHosts) {
        config.algorithms = {
          serverHostKey: hostKeyAlgorithms(knownHosts.keyTypesFor(target.host, target.port)),
        };
        config.hostVerifier = (key: Buffer): boolean => {
          const verdict = knownHosts.verify(target.host, target.port, key);
          if (verdict.ok) return true;
          const file = knownHosts.path ?? 'known_hosts';
          if (verdict.reason === 'revoked') {
            hostKeyProblem = `the host key of ${where} is marked @revoked in ${file}`;
          } else if (verdict.reason === 'mismatch') {
            hostKeyProblem =
              `HOST KEY MISMATCH for ${where}: the key it presented is not the one in ${file} ` +
              `(known: ${verdict.knownTypes.join(', ')}); someone may be intercepting the connection, or the host ` +
              'was reinstalled: check, then update known_hosts';
          } else {
            hostKeyProblem =
              `the host key of ${where} is not in ${file}${knownHosts.missing ? ' (the file does not exist)' : ''}; ` +
              `add it (e.g. ssh-keyscan -p ${target.port} ${target.host} >> ${file}, after checking its fingerprint) ` +
              'or turn host key checking off in the configuration (ssh.strict_host_key_checking: false)';
          }
          return false;
        };
      }

      client.once('ready', () => finish());
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        if (hostKeyProblem) return finish(new SshError(hostKeyProblem, 'host-key'));
        const level = error.level;
        if (level === 'client-authentication') {
          const methods = [credentials.privateKey && 'publickey', credentials.password && 'password']
            .filter(Boolean)
            .join(', ');
          return finish(
            new SshError(
              `authentication failed for ${credentials.username}@${where} (tried: ${methods}); check the username and that the key or password is accepted by the host`,
              'auth',
            ),
          );
        }
        if (level === 'client-timeout') {
          return finish(
            new SshError(
              `no SSH handshake with ${where} within ${options.connectTimeoutMs / 1000} s (host down, filtered, or not an SSH server)`,
              'timeout',
            ),
          );
        }
        const code = error.code ? `${error.code}: ` : '';
        const detail = error.message.startsWith(code) ? error.message : `${code}${error.message}`;
        finish(new SshError(`cannot connect to ${where}: ${detail}`, 'connect'));
      });
      client.once('close', () =>
        finish(new SshError(`connection to ${where} closed before it was ready`, 'connect')),
      );
      try {
        client.connect(config);
      } catch (error) {
        finish(new SshError(`cannot connect to ${where}: ${(error as Error).message}`, 'connect'));
      }
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Opens a session channel running `commandLine` on the remote host (SSH's "exec" request, no pty). Not
   * child_process: nothing runs locally. The command line is the fixed launcher of remote-command.ts.
   */
  command(commandLine: string): Promise<ClientChannel> {
    const sshExecRequest = this.#client.exec.bind(this.#client);
    return new Promise((resolve, reject) => {
      try {
        sshExecRequest(commandLine, (error, channel) => {
          if (error)
            reject(new SshError(`cannot start a command on ${this.label}: ${error.message}`, 'channel'));
          else resolve(channel);
        });
      } catch (error) {
        reject(
          new SshError(`cannot start a command on ${this.label}: ${(error as Error).message}`, 'channel'),
        );
      }
    });
  }

  /** A TCP stream from this host to host:port (bastion hop). */
  forwardOut(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      try {
        this.#client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => {
          if (error) {
            reject(
              new SshError(
                `bastion ${this.label} could not open a connection to ${host}:${port}: ${error.message}`,
                'connect',
              ),
            );
          } else {
            resolve(channel);
          }
        });
      } catch (error) {
        reject(new SshError(`bastion ${this.label}: ${(error as Error).message}`, 'connect'));
      }
    });
  }

  sftp(): Promise<SFTPWrapper> {
    return new Promise((resolve, reject) => {
      this.#client.sftp((error, sftp) => {
        if (error) reject(new SshError(`cannot open SFTP on ${this.label}: ${error.message}`, 'channel'));
        else resolve(sftp);
      });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.end();
  }
}
