import { resolve } from 'node:path';
import type { PackProblem } from '../model/pack.ts';
import { loadAllPacks } from './discover.ts';
import { type InspectAction, tryLoadPack } from './load-pack.ts';
import { Registry } from './registry.ts';

export interface ValidatePackOptions {
  /** Built-in packs to resolve references against (core actions, ...); without it only the pack itself. */
  builtinDir?: string;
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
  const builtins = options.builtinDir ? loadAllPacks({ builtinDir: options.builtinDir }).packs : [];
  // The pack under validation replaces a built-in of the same name; only its own problems are reported.
  const registry = new Registry([...builtins, result.pack]);
  return registry.problems.filter(
    (p) => p.file.startsWith(`${packDir}/`) && !p.message.includes('replaces the built-in pack'),
  );
}
