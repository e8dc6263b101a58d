import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadedPack, PackProblem } from '../model/pack.ts';
import { type InspectAction, tryLoadPack } from './load-pack.ts';
import { Registry, type RegistryOptions } from './registry.ts';

export interface DiscoverOptions {
  /** Folder of the built-in packs (the repo's packs/). */
  builtinDir?: string;
  /** User pack locations: each is a pack folder itself (has pack.yaml) or a folder of pack folders. */
  paths?: readonly string[];
  inspectAction?: InspectAction;
}

export interface DiscoverResult {
  packs: LoadedPack[];
  /** Problems of packs that could not load (broken pack.yaml) and of discovery itself. */
  problems: PackProblem[];
}

function hasPackYaml(dir: string): boolean {
  return existsSync(join(dir, 'pack.yaml')) || existsSync(join(dir, 'pack.yml'));
}

function packFolders(root: string): string[] {
  if (hasPackYaml(root)) return [root];
  return readdirSync(root)
    .sort()
    .map((name) => join(root, name))
    .filter(
      (dir) => !dir.split('/').pop()!.startsWith('.') && statSync(dir).isDirectory() && hasPackYaml(dir),
    );
}

/**
 * Finds and loads every pack: built-in ones from builtinDir, user ones from each path in order. The first
 * path wins for two user packs with the same ref, and a user pack replaces a built-in one (warnings).
 * Per-pack problems stay in each LoadedPack; `problems` holds the rest.
 */
export function loadAllPacks(options: DiscoverOptions): DiscoverResult {
  const packs: LoadedPack[] = [];
  const problems: PackProblem[] = [];
  const load = (dir: string, builtin: boolean): LoadedPack | undefined => {
    const result = tryLoadPack(dir, { builtin, inspectAction: options.inspectAction });
    if (!result.pack) problems.push(...result.problems);
    return result.pack;
  };
  if (options.builtinDir) {
    const dir = resolve(options.builtinDir);
    if (!existsSync(dir)) {
      problems.push({ file: dir, message: `built-in packs folder ${dir} does not exist`, severity: 'error' });
    } else {
      for (const packDir of packFolders(dir)) {
        const pack = load(packDir, true);
        if (pack) packs.push(pack);
      }
    }
  }
  const userRefs = new Map<string, string>();
  for (const path of options.paths ?? []) {
    const root = resolve(path);
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      problems.push({
        file: root,
        message: `pack path ${root} does not exist or is not a folder`,
        severity: 'warning',
      });
      continue;
    }
    for (const packDir of packFolders(root)) {
      const pack = load(packDir, false);
      if (!pack) continue;
      const first = userRefs.get(pack.metadata.ref);
      if (first) {
        problems.push({
          pack: pack.metadata.ref,
          file: join(packDir, 'pack.yaml'),
          message: `pack "${pack.metadata.ref}" at ${packDir} ignored: already loaded from ${first} (earlier pack path wins)`,
          severity: 'warning',
        });
        continue;
      }
      userRefs.set(pack.metadata.ref, packDir);
      packs.push(pack);
    }
  }
  // A user pack replaces the built-in pack of the same ref.
  const result = packs.filter((pack) => {
    const user = pack.builtin ? userRefs.get(pack.metadata.ref) : undefined;
    if (!user) return true;
    problems.push({
      pack: pack.metadata.ref,
      file: join(user, 'pack.yaml'),
      message: `user pack "${pack.metadata.ref}" at ${user} replaces the built-in pack of the same name (${pack.path})`,
      severity: 'warning',
    });
    return false;
  });
  return { packs: result, problems };
}

/** loadAllPacks + Registry in one call. */
export function loadRegistry(options: DiscoverOptions & Pick<RegistryOptions, 'ruleOverrides'>): Registry {
  const { packs, problems } = loadAllPacks(options);
  return new Registry(packs, { problems, ruleOverrides: options.ruleOverrides });
}
