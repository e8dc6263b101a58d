/**
 * YAQL evaluator. `$` is the root data (or the item inside a lambda such as `.select($.x)`); functions come
 * from the caller (Orquesta's ctx(), result(), ...), then YAQL's standard library, then st2's functions.
 * Member and index access only reach own properties of plain objects and arrays (no prototypes).
 */
import { ExpressionError } from '../expression-error.ts';
import { internalSt2Functions } from '../functions/index.ts';
import type { ExpressionFunction } from '../index.ts';
import { makeKwargs } from '../kwargs.ts';
import { compilePythonRegex } from '../python-regex.ts';
import { isPlainObject, pyCompare, pyEquals, pyIn, pyTypeName, truthy } from '../python-values.ts';
import type { YaqlArg, YaqlNode } from './ast.ts';
import { YAQL_FUNCTIONS, YAQL_METHODS } from './std.ts';
import { YaqlKeyError, YaqlRuntimeError } from './yaql-runtime-error.ts';

export interface Scope {
  dollar: unknown;
  vars: Record<string, unknown>;
  /** The caller's functions; st2's functions are consulted after them. */
  functions: Record<string, ExpressionFunction>;
}

/** Thrown for evaluation failures; evaluate() adds the expression text. */
export { YaqlRuntimeError };

const BLOCKED = new Set(['constructor', '__proto__', 'prototype']);

/**
 * Functions whose results are read strictly: a key missing from a dict they return (or from a dict reached
 * from it through `.`/`[]`) is an error, as YAQL's `d[key]` raises KeyError under Orquesta ("Unable to resolve
 * key ..."). The caller marks them on its functions object (the workflow engine marks result(), task()...);
 * everything else reads a missing key as null.
 */
export const STRICT_KEY_FUNCTIONS = Symbol.for('squall.yaql.strictKeyFunctions');

export function getMember(target: unknown, name: string, strict = false): unknown {
  if (isPlainObject(target)) {
    if (Object.hasOwn(target, name) && !BLOCKED.has(name)) return target[name];
    if (strict) throw new YaqlKeyError(name);
    return null;
  }
  if (target === null || target === undefined) {
    throw new YaqlRuntimeError(`cannot read attribute '${name}' of null`);
  }
  throw new YaqlRuntimeError(`cannot read attribute '${name}' of a ${pyTypeName(target)}`);
}

function getIndex(target: unknown, index: unknown, strict = false): unknown {
  if (Array.isArray(target) || typeof target === 'string') {
    if (typeof index !== 'number' || !Number.isInteger(index)) {
      throw new YaqlRuntimeError(`list index must be an integer, got ${pyTypeName(index)}`);
    }
    const i = index < 0 ? target.length + index : index;
    if (i < 0 || i >= target.length) throw new YaqlRuntimeError(`index ${index} out of range`);
    return target[i];
  }
  if (isPlainObject(target)) {
    const key = String(index);
    if (Object.hasOwn(target, key) && !BLOCKED.has(key)) return target[key];
    if (strict) throw new YaqlKeyError(key);
    return null;
  }
  throw new YaqlRuntimeError(`cannot index a ${pyTypeName(target)}`);
}

function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (isPlainObject(a) && isPlainObject(b)) return { ...a, ...b };
  throw new YaqlRuntimeError(`cannot add ${pyTypeName(a)} and ${pyTypeName(b)}`);
}

function repeat(a: unknown, b: unknown): unknown {
  const [seq, n] = typeof a === 'number' ? [b, a] : [a, b];
  if (typeof n !== 'number' || !Number.isInteger(n)) return undefined;
  if (Math.max(0, n) * (typeof seq === 'string' || Array.isArray(seq) ? seq.length : 0) > 10_000_000) {
    throw new YaqlRuntimeError('repetition result is too large');
  }
  if (typeof seq === 'string') return n > 0 ? seq.repeat(n) : '';
  if (Array.isArray(seq)) return Array.from({ length: Math.max(0, n) }, () => seq).flat();
  return undefined;
}

function arith(op: string, a: unknown, b: unknown): number {
  if (typeof a !== 'number' || typeof b !== 'number') {
    throw new YaqlRuntimeError(`operator '${op}' needs numbers, got ${pyTypeName(a)} and ${pyTypeName(b)}`);
  }
  switch (op) {
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0) throw new YaqlRuntimeError('division by zero');
      // YAQL divides integers with floor division, like Python's //.
      return Number.isInteger(a) && Number.isInteger(b) ? Math.floor(a / b) : a / b;
    default:
      if (b === 0) throw new YaqlRuntimeError('modulo by zero');
      return ((a % b) + b) % b;
  }
}

export class Evaluator {
  constructor(private readonly source: string) {}

  eval(node: YaqlNode, scope: Scope): unknown {
    switch (node.type) {
      case 'literal':
        return node.value;
      case 'keyword':
        return node.name;
      case 'var':
        if (node.name === '') return scope.dollar;
        if (/^\d+$/.test(node.name)) return node.name === '1' ? scope.dollar : null;
        return Object.hasOwn(scope.vars, node.name) && !BLOCKED.has(node.name) ? scope.vars[node.name] : null;
      case 'list':
        return node.items.map((i) => this.eval(i, scope));
      case 'dict': {
        const out: Record<string, unknown> = {};
        for (const [k, v] of node.entries) out[String(this.eval(k, scope))] = this.eval(v, scope);
        return out;
      }
      case 'member': {
        const target = this.eval(node.target, scope);
        // `?.` is YAQL's elvis operator: a null receiver gives null instead of an error.
        if (node.nullSafe && (target === null || target === undefined)) return null;
        return getMember(target, node.name, this.strictChain(node, scope));
      }
      case 'index':
        return getIndex(
          this.eval(node.target, scope),
          this.eval(node.index, scope),
          this.strictChain(node, scope),
        );
      case 'unary': {
        if (node.op === 'not') return !truthy(this.eval(node.operand, scope));
        const v = this.eval(node.operand, scope);
        if (typeof v !== 'number')
          throw new YaqlRuntimeError(`unary '${node.op}' needs a number, got ${pyTypeName(v)}`);
        return node.op === '-' ? -v : v;
      }
      case 'binary':
        return this.binary(node.op, node.left, node.right, scope);
      case 'call':
        return this.call(node.name, node.args, scope);
      case 'method':
        return this.method(node.target, node.name, node.args, scope, node.nullSafe === true);
    }
  }

  private binary(op: string, l: YaqlNode, r: YaqlNode, scope: Scope): unknown {
    if (op === 'and') {
      const a = this.eval(l, scope);
      return truthy(a) ? this.eval(r, scope) : a;
    }
    if (op === 'or') {
      const a = this.eval(l, scope);
      return truthy(a) ? a : this.eval(r, scope);
    }
    const a = this.eval(l, scope);
    const b = this.eval(r, scope);
    switch (op) {
      case '=':
        return pyEquals(a, b);
      case '!=':
        return !pyEquals(a, b);
      case '<':
      case '>':
      case '<=':
      case '>=': {
        let c: number;
        try {
          c = pyCompare(a, b);
        } catch (err) {
          throw new YaqlRuntimeError((err as Error).message);
        }
        return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
      }
      case 'in':
        try {
          return pyIn(a, b);
        } catch (err) {
          throw new YaqlRuntimeError((err as Error).message);
        }
      case '=~':
      case '!~': {
        const found = compilePythonRegex(String(b)).test(String(a));
        return op === '=~' ? found : !found;
      }
      case '+':
        return add(a, b);
      case '*': {
        const repeated = repeat(a, b);
        return repeated === undefined ? arith(op, a, b) : repeated;
      }
      default:
        return arith(op, a, b);
    }
  }

  /** Evaluates call arguments: positional values, then keyword arguments as one trailing options object. */
  evalArgs(args: YaqlArg[], scope: Scope): unknown[] {
    const positional: unknown[] = [];
    let kwargs: Record<string, unknown> | undefined;
    for (const a of args) {
      const v = this.eval(a.value, scope);
      if (a.name === undefined) positional.push(v);
      else {
        kwargs ??= {};
        kwargs[a.name] = v;
      }
    }
    if (kwargs) positional.push(makeKwargs(kwargs));
    return positional;
  }

  private lookupFunction(name: string, scope: Scope): ExpressionFunction | undefined {
    if (Object.hasOwn(scope.functions, name)) return scope.functions[name];
    if (Object.hasOwn(internalSt2Functions, name)) return internalSt2Functions[name];
    return undefined;
  }

  private call(name: string, args: YaqlArg[], scope: Scope): unknown {
    const fn = this.lookupFunction(name, scope);
    if (fn) return fn(...this.evalArgs(args, scope));
    if (Object.hasOwn(YAQL_FUNCTIONS, name)) return YAQL_FUNCTIONS[name](this, args, scope);
    throw new YaqlRuntimeError(`unknown function "${name}"`);
  }

  private method(target: YaqlNode, name: string, args: YaqlArg[], scope: Scope, nullSafe: boolean): unknown {
    const receiver = this.eval(target, scope);
    if (nullSafe && (receiver === null || receiver === undefined)) return null;
    if (Object.hasOwn(YAQL_METHODS, name)) return YAQL_METHODS[name](this, receiver, args, scope);
    const fn = this.lookupFunction(name, scope);
    if (fn) return fn(receiver, ...this.evalArgs(args, scope));
    if (Object.hasOwn(YAQL_FUNCTIONS, name)) {
      return YAQL_FUNCTIONS[name](this, [{ value: { type: 'literal', value: receiver } }, ...args], scope);
    }
    throw new YaqlRuntimeError(`unknown method "${name}" for ${pyTypeName(receiver)}`);
  }

  /** Evaluates `node` with `$` bound to `item` (a lambda argument such as the body of `.select()`). */
  lambda(node: YaqlNode, scope: Scope, item: unknown): unknown {
    return this.eval(node, { ...scope, dollar: item });
  }

  /** Whether a `.`/`[]` chain starts at a call of a function the caller marked strict (e.g. `result().x`). */
  private strictChain(node: YaqlNode, scope: Scope): boolean {
    const marked = (scope.functions as { [STRICT_KEY_FUNCTIONS]?: ReadonlySet<string> })[
      STRICT_KEY_FUNCTIONS
    ];
    if (!marked) return false;
    let root = node;
    while (root.type === 'member' || root.type === 'index') root = root.target;
    return root.type === 'call' && marked.has(root.name);
  }

  error(err: unknown): ExpressionError {
    if (err instanceof ExpressionError) return err;
    if (err instanceof YaqlKeyError) {
      // orquesta/expressions/yaql.py's wording; the expression is shown with its delimiters, as Orquesta does.
      return new ExpressionError(
        `Unable to resolve key '${err.key}' in expression '<% ${this.source} %>' from context.`,
        this.source,
        'yaql',
      );
    }
    const msg = err instanceof Error ? err.message : String(err);
    return new ExpressionError(
      `YAQL error: ${msg} in expression ${JSON.stringify(this.source)}`,
      this.source,
      'yaql',
    );
  }
}
