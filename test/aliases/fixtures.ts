import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { AliasDefinition, AliasFormatSpec } from '../../engine/model/alias.ts';

/** A minimal alias definition for tests. */
export function alias(
  ref: string,
  formats: AliasFormatSpec[],
  extra: Partial<AliasDefinition> = {},
): AliasDefinition {
  const [pack = 'test', name = ref] = ref.includes('.')
    ? [ref.slice(0, ref.indexOf('.')), ref.slice(ref.indexOf('.') + 1)]
    : [];
  return {
    ref,
    name,
    pack,
    enabled: true,
    action_ref: `${pack}.action`,
    formats,
    builtin: false,
    metadata_file: `aliases/${name}.yaml`,
    ...extra,
  };
}

/** Load an st2 alias YAML file as an AliasDefinition (pack from the file when present). */
export function loadAliasYaml(path: string, pack: string, builtin = false): AliasDefinition {
  const doc = parse(readFileSync(path, 'utf8'), { version: '1.1' }) as Record<string, unknown>;
  const p = (doc.pack as string | undefined) ?? pack;
  return {
    ...(doc as object),
    ref: `${p}.${doc.name as string}`,
    name: doc.name as string,
    pack: p,
    enabled: doc.enabled !== false,
    action_ref: doc.action_ref as string,
    formats: doc.formats as AliasFormatSpec[],
    builtin,
    metadata_file: path,
  } as AliasDefinition;
}
