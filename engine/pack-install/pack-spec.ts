import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Datastore, KvPrincipal } from '../datastore/datastore.ts';
import { buildSt2kvContext, collectKvReferences } from '../datastore/template-context.ts';
import { hasJinja } from '../expressions/detect.ts';
import { renderValue } from '../expressions/index.ts';
import { maskUrl } from './git.ts';

/** One `squall pack install` argument: `<git-url|path|name>[=<version>]`. */
export interface PackSpec {
  /** As written (may hold datastore templates; never rendered, safe to show once masked). */
  raw: string;
  /** URL, path or pack name, templates unrendered. */
  source: string;
  version?: string;
  kind: 'git' | 'path' | 'name';
}

const VERSION_RE = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;

/** Splits `source=version` (the last `=` that is followed by a plausible git ref). */
export function parsePackSpec(raw: string, cwd = process.cwd()): PackSpec {
  const text = raw.trim();
  if (!text) throw new Error('empty pack specification');
  let source = text;
  let version: string | undefined;
  const eq = text.lastIndexOf('=');
  if (eq > 0 && VERSION_RE.test(text.slice(eq + 1)) && !text.slice(eq + 1).includes('}}')) {
    source = text.slice(0, eq);
    version = text.slice(eq + 1);
  }
  let kind: PackSpec['kind'];
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[\w.-]+@[\w.-]+:/.test(source)) kind = 'git';
  else if (source.startsWith('/') || source.startsWith('.') || source.includes('/')) kind = 'path';
  else if (/^[a-z0-9_-]+$/i.test(source)) kind = 'name';
  else throw new Error(`"${maskUrl(raw)}" is neither a git URL, a path nor a pack name`);
  if (kind === 'path') {
    source = path.resolve(cwd, source.replace(/^file:\/\//, ''));
    if (!existsSync(source) || !statSync(source).isDirectory())
      throw new Error(`pack source ${source} does not exist or is not a folder`);
  }
  return { raw: text, source, version, kind };
}

/** Renders datastore references in a URL (`https://u:{{ st2kv.system.token | decrypt_kv }}@host/...`). */
export async function resolveSourceUrl(
  source: string,
  datastore: Datastore,
  principal: KvPrincipal,
): Promise<{ url: string; secrets: string[] }> {
  if (!hasJinja(source)) return { url: source, secrets: [] };
  const secrets: string[] = [];
  const kv = await buildSt2kvContext(datastore, principal, collectKvReferences([source]), {
    onDecrypted: (value) => secrets.push(value),
  });
  const rendered = renderValue(source, { ...kv });
  if (typeof rendered !== 'string') throw new Error(`pack source ${maskUrl(source)} did not render to a URL`);
  return { url: rendered, secrets };
}

/** Versions compare without a leading `v` (`v1.2.0` = `1.2.0`). */
export function sameVersion(a: string, b: string): boolean {
  return a.replace(/^v/, '') === b.replace(/^v/, '');
}

/** A version-like string (digits and dots): only these are checked for conflicts; branches and shas are not. */
export function isVersionLike(v: string): boolean {
  return /^v?\d+(\.\d+)*([-+][\w.]+)?$/.test(v);
}
