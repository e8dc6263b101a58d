import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PackProblem } from '../model/pack.ts';
import { loadAllPacks } from './discover.ts';
import { type InspectAction, tryLoadPack } from './load-pack.ts';
import { Registry } from './registry.ts';

/** The packs shipped in the repo (packs/). */
export const BUILTIN_PACKS_DIR = fileURLToPath(new URL('../../packs', import.meta.url));

export interface ValidatePackOptions {
  /**
   * Built-in packs to resolve references against (core actions, ...): default the repo's packs/;
   * `false` checks the pack on its own.
   */
  builtinDir?: string | false;
  inspectAction?: InspectAction;
}

/**
 * Every problem of one pack folder, for `squall pack validate <dir>`: schema errors, broken files,
 * duplicate refs, and references (trigger types, actions) the pack and the built-in packs cannot satisfy.
 * Errors mean content is skipped at load; the CLI exits 1 when any has severity 'error'.
 */
export function validatePackDir(dir: string, options: ValidatePackOptions = {}): PackProblem[] {
  const packDir = resolve(dir);
  const result = tryLoadPack(packDir, { builtin: false, inspectAction: options.inspectAction });
  if (!result.pack) return result.problems;
  const builtinDir = options.builtinDir === undefined ? BUILTIN_PACKS_DIR : options.builtinDir;
  const builtins = builtinDir ? loadAllPacks({ builtinDir }).packs : [];
  // The pack under validation replaces a built-in of the same name; only its own problems are reported.
  const registry = new Registry([...builtins, result.pack]);
  return registry.problems.filter(
    (p) => p.file.startsWith(`${packDir}/`) && !p.message.includes('replaces the built-in pack'),
  );
}
