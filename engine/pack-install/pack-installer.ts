import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Datastore, KvPrincipal } from '../datastore/datastore.ts';
import type { PackReloadResult } from '../engine.ts';
import type { Logger } from '../log/logger.ts';
import type { LoadedPack, PackProblem } from '../model/pack.ts';
import { tryLoadPack } from '../packs/load-pack.ts';
import { cloneRepository, describeCheckout, maskUrl, redact } from './git.ts';
import { isVersionLike, type PackSpec, parsePackSpec, resolveSourceUrl, sameVersion } from './pack-spec.ts';

export type InstallStepName = 'download' | 'dependencies' | 'validate' | 'register';

/** One progress line, as st2's `pack install` prints them (`[ succeeded ] download_pack`). */
export interface InstallStep {
  step: InstallStepName;
  status: 'running' | 'succeeded' | 'failed';
  /** What the step did or why it failed (credentials masked). */
  message?: string;
}

export interface InstalledPackInfo {
  ref: string;
  version: string;
  /** Where it came from, credentials masked. */
  source: string;
  path: string;
  /** Installed as a dependency of another pack. */
  dependency: boolean;
  /** Already installed at a matching version: left as it was. */
  skipped?: boolean;
}

export interface InstallResult {
  ok: boolean;
  steps: InstallStep[];
  packs: InstalledPackInfo[];
  error?: string;
  /** `conflict`: a dependency asks for a version other than the installed or requested one. */
  errorKind?: 'conflict' | 'invalid' | 'download' | 'register' | 'request';
  problems?: PackProblem[];
}

export interface RemoveResult {
  removed: string[];
  packs: string[];
}

export interface PackShow {
  ref: string;
  name: string;
  version: string;
  description?: string;
  author?: string;
  email?: string;
  dependencies: string[];
  path: string;
  builtin: boolean;
  /** True when the pack lives in the data dir's packs folder (install/remove manage it). */
  managed: boolean;
  git?: { commit: string; remote?: string };
  content: Record<'actions' | 'rules' | 'aliases' | 'sensors' | 'trigger_types' | 'policies', number>;
  problems: PackProblem[];
}

export class PackLifecycleError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = 'PackLifecycleError';
  }
}

export interface PackInstallerOptions {
  /** `<dataDir>/packs`: installed packs live in `<packsDir>/<ref>`. */
  packsDir: string;
  /** Where downloads are staged (same filesystem as packsDir so the swap is a rename); default `<packsDir>/../.pack-staging`. */
  stagingDir?: string;
  datastore: Datastore;
  /** Credentials in URLs are read from the datastore as this principal (system). */
  principal: KvPrincipal;
  logger: Logger;
  /** The packs currently registered. */
  installed(): LoadedPack[];
  /** Re-reads packs and re-registers everything (engine.reloadPacks). */
  reload(): Promise<PackReloadResult>;
}

interface Planned {
  ref: string;
  version: string;
  dir: string;
  source: string;
  dependency: boolean;
  /** The version asked for (`=x`), if any. */
  requested?: string;
  /** Who asked for it (for conflict messages). */
  requiredBy: string;
  skipped?: boolean;
}

class StepFailure extends Error {
  constructor(
    message: string,
    readonly kind: NonNullable<InstallResult['errorKind']>,
    readonly problems?: PackProblem[],
  ) {
    super(message);
  }
}

/**
 * `pack install|remove|show`: downloads into a staging folder, resolves dependencies from pack.yaml, validates,
 * then swaps the folders into `<dataDir>/packs` and reloads. A failure at any step leaves the previous version
 * in place and registered. Operations are serialized.
 */
export class PackInstaller {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PackInstallerOptions) {}

  get packsDir(): string {
    return this.options.packsDir;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  install(
    specs: string[],
    opts: { onProgress?: (step: InstallStep) => void; force?: boolean } = {},
  ): Promise<InstallResult> {
    return this.#serial(() => this.#install(specs, opts));
  }

  remove(refs: string[]): Promise<RemoveResult> {
    return this.#serial(() => this.#remove(refs));
  }

  async show(ref: string): Promise<PackShow | undefined> {
    const pack = this.options.installed().find((p) => p.metadata.ref === ref);
    if (!pack) return undefined;
    const m = pack.metadata;
    return {
      ref: m.ref,
      name: m.name,
      version: m.version,
      ...(m.description ? { description: m.description } : {}),
      ...(m.author ? { author: m.author } : {}),
      ...(m.email ? { email: m.email } : {}),
      dependencies: m.dependencies ?? [],
      path: pack.path,
      builtin: pack.builtin,
      managed: path.dirname(pack.path) === path.resolve(this.options.packsDir),
      ...(existsSync(path.join(pack.path, '.git')) ? { git: await describeCheckout(pack.path) } : {}),
      content: {
        actions: pack.actions.length,
        rules: pack.rules.length,
        aliases: pack.aliases.length,
        sensors: pack.sensors.length,
        trigger_types: pack.triggerTypes.length,
        policies: pack.policies.length,
      },
      problems: pack.problems,
    };
  }

  async #install(
    specs: string[],
    opts: { onProgress?: (step: InstallStep) => void; force?: boolean },
  ): Promise<InstallResult> {
    const steps: InstallStep[] = [];
    const secrets: string[] = [];
    const mask = (text: string) => redact(maskUrl(text), secrets);
    let current: InstallStep | undefined;
    const begin = (step: InstallStepName) => {
      current = { step, status: 'running' };
      opts.onProgress?.({ ...current });
    };
    const done = (message?: string) => {
      if (!current) return;
      const finished: InstallStep = { ...current, status: 'succeeded', ...(message ? { message } : {}) };
      steps.push(finished);
      opts.onProgress?.(finished);
      current = undefined;
    };
    if (!specs.length)
      return { ok: false, steps, packs: [], error: 'no pack to install', errorKind: 'request' };

    const packsDir = path.resolve(this.options.packsDir);
    mkdirSync(packsDir, { recursive: true });
    const stagingRoot = this.options.stagingDir ?? path.join(path.dirname(packsDir), '.pack-staging');
    mkdirSync(stagingRoot, { recursive: true, mode: 0o700 });
    const staging = mkdtempSync(path.join(stagingRoot, 'install-'));
    let counter = 0;
    const plan = new Map<string, Planned>();

    const fetch = async (spec: PackSpec): Promise<{ dir: string; pack: LoadedPack; source: string }> => {
      const dir = path.join(staging, `src-${++counter}`);
      let shown = spec.source;
      if (spec.kind === 'git') {
        const { url, secrets: found } = await resolveSourceUrl(
          spec.source,
          this.options.datastore,
          this.options.principal,
        );
        secrets.push(...found);
        shown = maskUrl(spec.source);
        await cloneRepository(url, dir, spec.version);
      } else if (spec.kind === 'path') {
        if (existsSync(path.join(spec.source, '.git'))) await cloneRepository(spec.source, dir, spec.version);
        else if (spec.version)
          throw new StepFailure(
            `${spec.source} is not a git repository: version "${spec.version}" cannot be checked out`,
            'download',
          );
        else cpSync(spec.source, dir, { recursive: true });
      } else {
        throw new StepFailure(`"${spec.source}" is not a URL or a path (there is no pack index)`, 'request');
      }
      const loaded = tryLoadPack(dir, { builtin: false });
      if (!loaded.pack)
        throw new StepFailure(
          `${shown}: not a valid pack: ${loaded.problems.map((p) => p.message).join('; ')}`,
          'invalid',
          loaded.problems,
        );
      return { dir, pack: loaded.pack, source: shown };
    };

    try {
      const installed = new Map(this.options.installed().map((p) => [p.metadata.ref, p]));
      // download
      begin('download');
      const parsed = specs.map((s) => {
        try {
          return parsePackSpec(s);
        } catch (error) {
          throw new StepFailure(mask((error as Error).message), 'request');
        }
      });
      for (const spec of parsed) {
        const { dir, pack, source } = await fetch(spec);
        const ref = pack.metadata.ref;
        if (installed.get(ref)?.builtin)
          throw new StepFailure(`pack "${ref}" is built into Squall and cannot be installed over`, 'request');
        const prior = plan.get(ref);
        if (prior)
          throw new StepFailure(`pack "${ref}" is given twice (${prior.source} and ${source})`, 'conflict');
        plan.set(ref, {
          ref,
          version: pack.metadata.version,
          dir,
          source,
          dependency: false,
          requested: spec.version,
          requiredBy: 'the command line',
        });
      }
      done([...plan.values()].map((p) => `${p.ref} ${p.version} from ${p.source}`).join(', '));

      // dependencies (breadth first; every pack's pack.yaml `dependencies`)
      begin('dependencies');
      const pending = [...plan.values()];
      const notes: string[] = [];
      while (pending.length) {
        const parent = pending.shift()!;
        const deps = tryLoadPack(parent.dir).pack?.metadata.dependencies ?? [];
        for (const raw of deps) {
          let spec: PackSpec;
          try {
            spec = parsePackSpec(String(raw), parent.dir);
          } catch (error) {
            throw new StepFailure(
              `pack "${parent.ref}": dependency ${mask(String(raw))}: ${mask((error as Error).message)}`,
              'request',
            );
          }
          const requiredBy = `pack "${parent.ref}"`;
          let ref: string;
          let candidate: Awaited<ReturnType<typeof fetch>> | undefined;
          if (spec.kind === 'name') ref = spec.source;
          else {
            candidate = await fetch(spec);
            ref = candidate.pack.metadata.ref;
          }
          const planned = plan.get(ref);
          const have = installed.get(ref);
          if (planned) {
            const want = spec.version;
            if (want && isVersionLike(want) && !sameVersion(planned.version, want))
              throw new StepFailure(
                `version conflict: ${requiredBy} requires "${ref}" ${want}, but ${planned.requiredBy} brings ${ref} ${planned.version}`,
                'conflict',
              );
            continue;
          }
          if (have && !candidate) {
            if (
              spec.version &&
              isVersionLike(spec.version) &&
              !sameVersion(have.metadata.version, spec.version) &&
              !opts.force
            )
              throw new StepFailure(
                `version conflict: ${requiredBy} requires "${ref}" ${spec.version}, but ${ref} ${have.metadata.version} is installed`,
                'conflict',
              );
            notes.push(`${ref} ${have.metadata.version} already installed`);
            continue;
          }
          if (!candidate)
            throw new StepFailure(
              `${requiredBy} depends on "${ref}", which is not installed; give it as a git URL or path in pack.yaml`,
              'request',
            );
          const version = candidate.pack.metadata.version;
          if (have) {
            if (sameVersion(have.metadata.version, version)) {
              notes.push(`${ref} ${version} already installed`);
              continue;
            }
            if (have.builtin || !opts.force)
              throw new StepFailure(
                `version conflict: ${requiredBy} requires "${ref}" ${spec.version ?? version}, but ${ref} ${have.metadata.version} is installed (install ${ref} explicitly or use --force to replace it)`,
                'conflict',
              );
          }
          const entry: Planned = {
            ref,
            version,
            dir: candidate.dir,
            source: candidate.source,
            dependency: true,
            requested: spec.version,
            requiredBy,
          };
          plan.set(ref, entry);
          pending.push(entry);
          notes.push(`${ref} ${version} from ${candidate.source}`);
        }
      }
      done(notes.length ? notes.join(', ') : 'no dependencies');

      // validate
      begin('validate');
      const allProblems: PackProblem[] = [];
      for (const p of plan.values()) {
        const loaded = tryLoadPack(p.dir, { builtin: false });
        const errors = [...(loaded.pack?.problems ?? loaded.problems)].filter((x) => x.severity === 'error');
        // Report with the future path, not the staging one.
        const target = path.join(packsDir, p.ref);
        allProblems.push(...errors.map((e) => ({ ...e, file: e.file.replace(p.dir, target) })));
      }
      if (allProblems.length)
        throw new StepFailure(
          `validation failed: ${allProblems.map((e) => `${e.file}${e.path ? ` ${e.path}` : ''}: ${e.message}`).join('; ')}`,
          'invalid',
          allProblems,
        );
      done(`${plan.size} pack(s) valid`);

      // register: swap folders, reload; undo both on failure
      begin('register');
      const swapped: Array<{ target: string; backup?: string }> = [];
      const undo = () => {
        for (const s of swapped.reverse()) {
          rmSync(s.target, { recursive: true, force: true });
          if (s.backup) renameSync(s.backup, s.target);
        }
      };
      try {
        for (const p of plan.values()) {
          const target = path.join(packsDir, p.ref);
          const entry: { target: string; backup?: string } = { target };
          if (existsSync(target)) {
            entry.backup = path.join(staging, `old-${p.ref}`);
            renameSync(target, entry.backup);
          }
          swapped.push(entry);
          renameSync(p.dir, target);
          p.dir = target;
        }
        const reloaded = await this.options.reload();
        const missing = [...plan.keys()].filter((ref) => !reloaded.packs.includes(ref));
        if (missing.length) throw new Error(`after reload, pack(s) ${missing.join(', ')} are not registered`);
      } catch (error) {
        undo();
        await this.options
          .reload()
          .catch((e) => this.options.logger.error({ err: e }, 'reload after a failed install failed'));
        throw new StepFailure(
          `register failed, previous version restored: ${(error as Error).message}`,
          'register',
        );
      }
      done(`registered ${[...plan.keys()].join(', ')}`);
      const packs = [...plan.values()].map((p) => ({
        ref: p.ref,
        version: p.version,
        source: p.source,
        path: p.dir,
        dependency: p.dependency,
      }));
      this.options.logger.info({ packs: packs.map((p) => `${p.ref}@${p.version}`) }, 'packs installed');
      return { ok: true, steps, packs };
    } catch (error) {
      const failure =
        error instanceof StepFailure ? error : new StepFailure((error as Error).message, 'download');
      const message = mask(failure.message);
      if (current) {
        const failed: InstallStep = { ...current, status: 'failed', message };
        steps.push(failed);
        opts.onProgress?.(failed);
      }
      this.options.logger.warn({ specs: specs.map(mask) }, `pack install failed: ${message}`);
      return {
        ok: false,
        steps,
        packs: [],
        error: message,
        errorKind: failure.kind,
        ...(failure.problems ? { problems: failure.problems } : {}),
      };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  async #remove(refs: string[]): Promise<RemoveResult> {
    const packsDir = path.resolve(this.options.packsDir);
    const installed = new Map(this.options.installed().map((p) => [p.metadata.ref, p]));
    const targets: string[] = [];
    for (const ref of refs) {
      const pack = installed.get(ref);
      const dir = path.join(packsDir, ref);
      if (!/^[A-Za-z0-9_-]+$/.test(ref) || !existsSync(dir)) {
        if (pack?.builtin)
          throw new PackLifecycleError(`pack "${ref}" is built into Squall and cannot be removed`);
        if (pack)
          throw new PackLifecycleError(
            `pack "${ref}" lives in ${pack.path}, outside ${packsDir}: remove it there`,
          );
        throw new PackLifecycleError(`pack "${ref}" is not installed`, 404);
      }
      targets.push(ref);
    }
    const stagingRoot = this.options.stagingDir ?? path.join(path.dirname(packsDir), '.pack-staging');
    mkdirSync(stagingRoot, { recursive: true, mode: 0o700 });
    const trash = mkdtempSync(path.join(stagingRoot, 'remove-'));
    try {
      for (const ref of targets) renameSync(path.join(packsDir, ref), path.join(trash, ref));
      const reloaded = await this.options.reload();
      this.options.logger.info({ packs: targets }, 'packs removed');
      return { removed: targets, packs: reloaded.packs };
    } finally {
      rmSync(trash, { recursive: true, force: true });
    }
  }
}
