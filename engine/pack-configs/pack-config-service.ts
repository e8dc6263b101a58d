import type { Datastore, KvPrincipal } from '../datastore/datastore.ts';
import { hasJinja } from '../expressions/detect.ts';
import type { Logger } from '../log/logger.ts';
import type { LoadedPack, PackProblem } from '../model/index.ts';
import {
  loadPackConfig,
  maskPackConfig,
  type PackConfig,
  PackConfigError,
  type PackConfigSchema,
  packConfigPath,
  packConfigSecrets,
  resolvePackConfig,
} from './pack-configs.ts';

/**
 * Every pack's config, loaded and validated when packs (re)load, kept in memory with schema defaults applied and
 * datastore templates (`{{ st2kv.system.x | decrypt_kv }}`) as written. Templates are rendered only when a
 * config is used (`resolve`), for the user of that run, so a decrypted value never sits in memory or on show.
 *
 * A config that fails validation does not stop its pack from loading: the problem is reported with the pack
 * problems (file, key, expected type), and whatever uses that config (a parameter template reading
 * `config_context`, a javascript action's `config`, a sensor) fails with the same message. Actions of the pack
 * that do not read the config run normally.
 */
export interface PackConfigServiceOptions {
  /** `packs.configDir` (`<dataDir>/configs` by default). */
  configDir: string;
  datastore: Datastore;
  /** The datastore principal of a user (scope rules: a user reads only their own user-scope keys). */
  principal(user: string): KvPrincipal;
  /** Problems are logged here when configs load (warnings at debug when `quiet`, e.g. in-process CLI runs). */
  logger?: Logger;
  quiet?: boolean;
}

/** One pack's config as shown (`squall pack config`, `GET /api/v1/packs/:pack/config`). */
export interface PackConfigView {
  pack: string;
  /** The config file read (or that would be read). */
  path: string;
  exists: boolean;
  /** Has the pack a config.schema.yaml? */
  has_schema: boolean;
  /** Effective values (defaults applied), `secret: true` fields masked, templates unresolved. */
  config: PackConfig;
  /** Set when the config does not validate (file, key and what was expected). */
  error?: string;
}

interface Entry {
  pack: string;
  path: string;
  exists: boolean;
  schema?: PackConfigSchema;
  config?: PackConfig;
  error?: PackConfigError;
  templated: boolean;
}

function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return hasJinja(value);
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (value && typeof value === 'object') return Object.values(value).some(containsTemplate);
  return false;
}

export class PackConfigService {
  readonly #options: PackConfigServiceOptions;
  #entries = new Map<string, Entry>();
  #problems: PackProblem[] = [];

  constructor(options: PackConfigServiceOptions) {
    this.#options = options;
  }

  get configDir(): string {
    return this.#options.configDir;
  }

  /**
   * (Re)loads the config of every pack that has a config.schema.yaml or a config file. Returns the problems
   * found, as pack problems: `error` for a config file that does not validate, `warning` for a missing file
   * when the schema requires values without defaults (the pack is simply not configured yet).
   */
  load(packs: Iterable<LoadedPack>): PackProblem[] {
    const entries = new Map<string, Entry>();
    const problems: PackProblem[] = [];
    for (const pack of packs) {
      const name = pack.metadata.ref;
      const schema = pack.configSchema;
      const path = packConfigPath(this.#options.configDir, name);
      const entry: Entry = { pack: name, path, exists: false, schema, templated: false };
      try {
        const loaded = loadPackConfig({ pack: name, configDir: this.#options.configDir, schema });
        entry.exists = loaded.exists;
        entry.config = loaded.config;
        entry.templated = containsTemplate(loaded.config);
        if (!loaded.exists && !schema) continue; // no config at all: nothing to keep
      } catch (error) {
        const err =
          error instanceof PackConfigError
            ? error
            : new PackConfigError(path, [{ key: '', message: (error as Error).message }]);
        entry.error = err;
        entry.exists = err.problems.every((p) => !p.message.startsWith('the file does not exist'));
        for (const p of err.problems) {
          if (p.message.startsWith('the file does not exist')) continue;
          problems.push({
            pack: name,
            file: err.file,
            ...(p.key ? { path: `/${p.key.split('.').join('/')}` } : {}),
            ...(p.line !== undefined ? { line: p.line } : {}),
            message: `config ${p.key ? `"${p.key}" ` : ''}${p.message}${entry.exists ? '' : ` (no config file: create ${err.file})`}`,
            severity: entry.exists ? 'error' : 'warning',
          });
        }
      }
      entries.set(name, entry);
    }
    this.#entries = entries;
    this.#problems = problems;
    const logger = this.#options.logger;
    for (const p of problems)
      logger?.[p.severity === 'error' ? 'error' : this.#options.quiet ? 'debug' : 'warn'](
        { pack: p.pack, file: p.file, field: p.path },
        `pack problem: ${p.message}`,
      );
    return problems;
  }

  /** The problems of the last load. */
  problems(): PackProblem[] {
    return [...this.#problems];
  }

  /** Packs with a config or a config schema. */
  packs(): string[] {
    return [...this.#entries.keys()];
  }

  /** The config as shown: defaults applied, secrets masked, templates unresolved (`{}` for a pack without one). */
  view(pack: string): PackConfigView {
    const entry = this.#entries.get(pack);
    if (!entry)
      return {
        pack,
        path: packConfigPath(this.#options.configDir, pack),
        exists: false,
        has_schema: false,
        config: {},
      };
    return {
      pack,
      path: entry.path,
      exists: entry.exists,
      has_schema: entry.schema !== undefined,
      config: maskPackConfig(entry.config ?? {}, entry.schema),
      ...(entry.error ? { error: entry.error.message } : {}),
    };
  }

  /** The validation error of a pack's config, if any. */
  error(pack: string): PackConfigError | undefined {
    return this.#entries.get(pack)?.error;
  }

  /**
   * The config of `pack` for a run as `user`: templates rendered against the datastore as that user sees it,
   * cast and validated again. Every decrypted datastore value and every `secret: true` value is reported through
   * `onDecrypted` (the execution's redaction set). Throws the PackConfigError of an invalid config. A pack
   * without config gives `{}`.
   */
  /** Whether `pack` has a config (a schema or a config file) to resolve at all. */
  has(pack: string): boolean {
    return this.#entries.has(pack);
  }

  async resolve(
    pack: string,
    user: string | undefined,
    onDecrypted?: (value: string) => void,
  ): Promise<PackConfig> {
    const entry = this.#entries.get(pack);
    if (!entry) return {};
    if (entry.error) throw entry.error;
    const config = entry.config ?? {};
    let resolved: PackConfig;
    try {
      resolved = entry.templated
        ? await resolvePackConfig(
            config,
            this.#options.datastore,
            this.#options.principal(user ?? 'system'),
            {
              schema: entry.schema,
              file: entry.path,
              onDecrypted,
            },
          )
        : structuredClone(config);
    } catch (error) {
      // A datastore error (missing key, no access, bad ciphertext) says which key, not which config.
      if (error instanceof PackConfigError) throw error;
      throw new PackConfigError(entry.path, [{ key: '', message: (error as Error).message }]);
    }
    if (onDecrypted) for (const secret of packConfigSecrets(resolved, entry.schema)) onDecrypted(secret);
    return resolved;
  }
}
