/** st2 version functions (python-semver 2.x): compare, match, bump, strip_patch. */
import { ExpressionError } from '../expression-error.ts';
import type { ExpressionFunction } from '../index.ts';
import { positionalOnly } from '../kwargs.ts';

interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string | null;
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function parseSemver(value: unknown): SemVer {
  const m = SEMVER.exec(String(value));
  if (!m) throw new ExpressionError(`${String(value)} is not valid SemVer string`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ?? null };
}

function cmp(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrerelease(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const na = /^\d+$/.test(pa[i]);
    const nb = /^\d+$/.test(pb[i]);
    const c = na && nb ? cmp(Number(pa[i]), Number(pb[i])) : na ? -1 : nb ? 1 : cmp(pa[i], pb[i]);
    if (c !== 0) return c;
  }
  return cmp(pa.length, pb.length);
}

export function semverCompare(a: unknown, b: unknown): number {
  const va = parseSemver(a);
  const vb = parseSemver(b);
  return (
    cmp(va.major, vb.major) ||
    cmp(va.minor, vb.minor) ||
    cmp(va.patch, vb.patch) ||
    comparePrerelease(va.prerelease, vb.prerelease)
  );
}

function semverMatch(version: unknown, expr: unknown): boolean {
  const e = String(expr);
  const op = ['>=', '<=', '==', '!='].find((o) => e.startsWith(o)) ?? ['>', '<'].find((o) => e.startsWith(o));
  if (!op) {
    throw new ExpressionError(
      `version_match: match_expr parameter should be in format <op><ver>, where <op> is one of ['<', '>', '==', '<=', '>=', '!=']. You provided: ${JSON.stringify(e)}`,
    );
  }
  const c = semverCompare(version, e.slice(op.length));
  return { '>': c > 0, '<': c < 0, '>=': c >= 0, '<=': c <= 0, '==': c === 0, '!=': c !== 0 }[op] as boolean;
}

const one = (args: unknown[]) => positionalOnly(args)[0];
const two = (args: unknown[]) => positionalOnly(args).slice(0, 2) as [unknown, unknown];

export const versionFunctions: Record<string, ExpressionFunction> = {
  version_compare: (...args) => semverCompare(...two(args)),
  version_more_than: (...args) => semverCompare(...two(args)) === 1,
  version_less_than: (...args) => semverCompare(...two(args)) === -1,
  version_equal: (...args) => semverCompare(...two(args)) === 0,
  version_match: (...args) => semverMatch(...two(args)),
  version_bump_major: (...args) => `${parseSemver(one(args)).major + 1}.0.0`,
  version_bump_minor: (...args) => {
    const v = parseSemver(one(args));
    return `${v.major}.${v.minor + 1}.0`;
  },
  version_bump_patch: (...args) => {
    const v = parseSemver(one(args));
    return `${v.major}.${v.minor}.${v.patch + 1}`;
  },
  version_strip_patch: (...args) => {
    const v = parseSemver(one(args));
    return `${v.major}.${v.minor}`;
  },
};
