/**
 * A nunjucks compiler that emits Jinja (Python) semantics where st2 content depends on them:
 * truthiness in `if`/`not`/`and`/`or`/inline-if, `==` as deep equality, `in`, `+` on lists, `~` and `%`
 * with Python str(), `None`/`True`/`False`, iteration over dicts (keys), and named strict-undefined errors.
 * Every emitted helper lives on the sandboxed runtime (safe-runtime.ts), never on globals.
 */
import { type NjCompiler, type NjNode, njCompiler, njNodes } from './nunjucks-internals.ts';

const PY_LITERALS: Record<string, string> = { None: 'null', True: 'true', False: 'false' };

/** A synthetic expression node compiled as `runtime.<fn>(<arg>)`; it passes nunjucks' type assertions. */
function runtimeCall(fn: string, arg: NjNode, extra = ''): NjNode {
  const node = Object.create(njNodes.Group.prototype) as NjNode;
  Object.defineProperty(node, 'typename', { value: 'PyRuntimeCall' });
  Object.assign(node, { lineno: arg.lineno, colno: arg.colno, fn, arg, extra, children: [arg] });
  return node;
}

/** `runtime.pyLoopFilter(items, vars, (item) => cond-with-loop-vars-bound)`, as a synthetic node. */
function loopFilter(items: NjNode, cond: NjNode, name: NjNode, vars: number): NjNode {
  const node = Object.create(njNodes.Group.prototype) as NjNode;
  Object.defineProperty(node, 'typename', { value: 'PyLoopFilter' });
  Object.assign(node, {
    lineno: items.lineno,
    colno: items.colno,
    items,
    cond,
    name,
    vars,
    children: [items, cond],
  });
  return node;
}

/** `[root, key, key...]` for a chain of plain lookups (`a.b[0]['c']`), else undefined. */
function lookupPath(node: NjNode): Array<string | number> | undefined {
  if (node.typename === 'Symbol') return [String(node.value)];
  if (node.typename !== 'LookupVal') return undefined;
  const val = node.val as NjNode;
  if (val.typename !== 'Literal' || (typeof val.value !== 'string' && typeof val.value !== 'number'))
    return undefined;
  const head = lookupPath(node.target as NjNode);
  return head ? [...head, val.value] : undefined;
}

/** A readable name for an expression node, for "'x.y' is undefined" messages. */
export function nodeName(node: NjNode): string {
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'Literal':
      return typeof node.value === 'string' ? node.value : String(node.value);
    case 'LookupVal': {
      const target = nodeName(node.target as NjNode);
      const val = node.val as NjNode;
      if (val.typename === 'Literal' && typeof val.value === 'string' && /^[A-Za-z_]\w*$/.test(val.value)) {
        return `${target}.${val.value}`;
      }
      return `${target}[${val.typename === 'Literal' ? JSON.stringify(val.value) : nodeName(val)}]`;
    }
    case 'FunCall':
      return `${nodeName(node.name as NjNode)}()`;
    case 'Filter':
      return `${nodeName((node.args as NjNode & { children: NjNode[] }).children[0])}|${nodeName(node.name as NjNode)}`;
    default:
      return 'expression';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(node: NjNode, message: string): never {
  throw new Error(`${message} (line ${node.lineno + 1}, column ${node.colno + 1})`);
}

function checkTarget(node: NjNode, what: string): void {
  if (node.typename === 'Symbol') return;
  if (node.typename === 'Array') {
    for (const child of node.children as NjNode[]) checkTarget(child, what);
    return;
  }
  fail(node, `${what} must be a name`);
}

/**
 * Rejects ASTs whose names nunjucks would paste into generated JavaScript unescaped: symbols must be
 * identifiers, `set`/`for`/`macro` targets must be names. (Parsing accepts e.g. `{% set "a\\" = 1 %}`.)
 */
export function validateAst(node: NjNode): void {
  switch (node.typename) {
    case 'Symbol':
      if (!IDENTIFIER.test(String(node.value))) fail(node, `invalid name ${JSON.stringify(node.value)}`);
      break;
    case 'Set':
      for (const t of node.targets as NjNode[]) checkTarget(t, 'a set target');
      break;
    case 'For':
    case 'AsyncEach':
    case 'AsyncAll':
      checkTarget(node.name as NjNode, 'a for-loop variable');
      break;
    case 'Macro':
    case 'Caller':
      if (node.name) checkTarget(node.name as NjNode, 'a macro name');
      break;
    case 'Is': {
      const right = node.right as NjNode;
      const name = right.typename === 'FunCall' ? (right.name as NjNode) : right;
      // `is none` / `is true` arrive as literals (nunjucks lexes none/true/false as values).
      const literalName = name.typename === 'Literal' && typeof name.value !== 'string';
      if (name.typename !== 'Symbol' && !literalName) fail(right, 'a test name must be a name');
      break;
    }
  }
  const fields = (node as unknown as { fields?: string[] }).fields ?? [];
  for (const field of [...fields, 'children']) {
    const value = node[field];
    if (Array.isArray(value)) {
      for (const v of value) if (v && typeof v === 'object' && 'typename' in v) validateAst(v as NjNode);
    } else if (value && typeof value === 'object' && 'typename' in value) validateAst(value as NjNode);
  }
}

const Base = njCompiler.Compiler as unknown as new (
  name: string,
  strict: boolean,
) => NjCompiler & Record<string, unknown>;

export class PyCompiler extends Base {
  constructor(
    name: string,
    private readonly strict: boolean,
    /** Value mode: the template is one `{{ expr }}`; the render result is the expression's native value. */
    private readonly valueMode = false,
  ) {
    // nunjucks' own throwOnUndefined also rejects None; strict mode is handled in compileOutput instead.
    super(name, false);
  }

  compilePyRuntimeCall(node: NjNode, frame: unknown): void {
    this._emit(`runtime.${node.fn as string}(`);
    this._compileExpression(node.arg as NjNode, frame);
    this._emit(`${node.extra as string})`);
  }

  compilePyLoopFilter(node: NjNode, frame: unknown): void {
    const name = node.name as NjNode;
    const names =
      name.typename === 'Array'
        ? (name.children as NjNode[]).map((c) => String(c.value))
        : [String(name.value)];
    this._emit('runtime.pyLoopFilter(');
    this._compileExpression(node.items as NjNode, frame);
    this._emit(`, ${node.vars as number}, (__item) => { frame = frame.push(); `);
    names.forEach((n, i) => {
      this._emit(`frame.set(${JSON.stringify(n)}, ${names.length > 1 ? `__item[${i}]` : '__item'}); `);
    });
    this._emit('try { return runtime.truthy(');
    this._compileExpression(node.cond as NjNode, frame);
    this._emit('); } finally { frame = frame.pop(); } })');
  }

  compilePySlice(node: NjNode, frame: unknown): void {
    this._emit('runtime.pySlice(');
    this._compileExpression(node.target as NjNode, frame);
    for (const part of [node.start, node.stop, node.step] as Array<NjNode | null>) {
      this._emit(', ');
      if (part) this._compileExpression(part, frame);
      else this._emit('undefined');
    }
    this._emit(')');
  }

  /** `(a, b)` is a Python tuple (a list here); nunjucks would compile it to JavaScript's comma operator. */
  compileGroup(node: NjNode, frame: unknown): void {
    const children = node.children as NjNode[];
    this._emit(children.length > 1 ? '[' : '(');
    children.forEach((child, i) => {
      if (i > 0) this._emit(', ');
      this._compileExpression(child, frame);
    });
    this._emit(children.length > 1 ? ']' : ')');
  }

  compileSymbol(node: NjNode, frame: { lookup(name: string): string | undefined }): void {
    const name = String(node.value);
    const local = frame.lookup(name);
    if (local) this._emit(local);
    else if (Object.hasOwn(PY_LITERALS, name)) this._emit(PY_LITERALS[name]);
    else this._emit(`runtime.contextOrFrameLookup(context, frame, ${JSON.stringify(name)})`);
  }

  compileOr(node: NjNode, frame: unknown): void {
    this._emit('((__l) => runtime.truthy(__l) ? __l : (');
    this._compileExpression(node.right as NjNode, frame);
    this._emit('))(');
    this._compileExpression(node.left as NjNode, frame);
    this._emit(')');
  }

  compileAnd(node: NjNode, frame: unknown): void {
    this._emit('((__l) => !runtime.truthy(__l) ? __l : (');
    this._compileExpression(node.right as NjNode, frame);
    this._emit('))(');
    this._compileExpression(node.left as NjNode, frame);
    this._emit(')');
  }

  compileNot(node: NjNode, frame: unknown): void {
    this._emit('!runtime.truthy(');
    this._compileExpression(node.target as NjNode, frame);
    this._emit(')');
  }

  compileInlineIf(node: NjNode, frame: unknown): void {
    this._emit('(runtime.truthy(');
    this._compileExpression(node.cond as NjNode, frame);
    this._emit(') ? (');
    this._compileExpression(node.body as NjNode, frame);
    this._emit(') : (');
    if (node.else_) this._compileExpression(node.else_ as NjNode, frame);
    else this._emit('undefined');
    this._emit('))');
  }

  compileIf(node: NjNode, frame: unknown): void {
    this._emit('if(runtime.truthy(');
    this._compileExpression(node.cond as NjNode, frame);
    this._emitLine(')) {');
    this._withScopedSyntax(() => this.compile(node.body as NjNode, frame));
    if (node.else_) {
      this._emitLine('}\nelse {');
      this._withScopedSyntax(() => this.compile(node.else_ as NjNode, frame));
    }
    this._emitLine('}');
  }

  compileCompare(node: NjNode, frame: unknown): void {
    const ops = node.ops as Array<{ type: string; expr: NjNode }>;
    this._emit('runtime.compareChain([');
    this._compileExpression(node.expr as NjNode, frame);
    for (const op of ops) {
      this._emit(', ');
      this._compileExpression(op.expr, frame);
    }
    this._emit(`], ${JSON.stringify(ops.map((o) => o.type))})`);
  }

  private binary(fn: string, node: NjNode, frame: unknown): void {
    this._emit(`runtime.${fn}(`);
    this._compileExpression(node.left as NjNode, frame);
    this._emit(', ');
    this._compileExpression(node.right as NjNode, frame);
    this._emit(')');
  }

  compileAdd(node: NjNode, frame: unknown): void {
    this.binary('pyAdd', node, frame);
  }

  compileConcat(node: NjNode, frame: unknown): void {
    this.binary('pyConcat', node, frame);
  }

  compileMul(node: NjNode, frame: unknown): void {
    this.binary('pyMul', node, frame);
  }

  compileMod(node: NjNode, frame: unknown): void {
    this.binary('pyMod', node, frame);
  }

  compileFor(node: NjNode, frame: unknown): void {
    const name = node.name as NjNode;
    const vars = name.typename === 'Array' ? 2 : 1;
    const arr = node.arr as NjNode;
    if (arr.typename === 'InlineIf' && !arr.else_) {
      // `{% for x in xs if cond %}`: nunjucks parses `xs if cond` as an inline if; Jinja filters the loop.
      node.arr = loopFilter(arr.body as NjNode, arr.cond as NjNode, name, vars);
    } else {
      node.arr = runtimeCall('pyIterable', arr, `, ${vars}`);
    }
    // Jinja scoping: a `{% set %}` inside a loop body is local to the loop, so the loop's frame isolates
    // writes (nunjucks would update the outer variable).
    const emitLine = this._emitLine;
    this._emitLine = (code: string) =>
      emitLine.call(this, code === 'frame = frame.push();' ? 'frame = frame.push(true);' : code);
    try {
      (Base.prototype as unknown as Record<string, (n: NjNode, f: unknown) => void>).compileFor.call(
        this,
        node,
        frame,
      );
    } finally {
      this._emitLine = emitLine;
    }
  }

  /** Like nunjucks', but the callee name is JSON-escaped (nunjucks only escapes `"`, not `\\`). */
  compileFunCall(node: NjNode, frame: unknown): void {
    const callee = node.name as NjNode;
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, `);
    if (callee.typename === 'LookupVal') {
      // `obj.name(...)`: Python looks up the method first, so `d.items()` works even if d has a key "items".
      this._emit('runtime.callMember(');
      this._compileExpression(callee.target as NjNode, frame);
      this._emit(', ');
      this._compileExpression(callee.val as NjNode, frame);
      this._emit(', ');
    } else {
      this._emit('runtime.callWrap(');
      this._compileExpression(callee, frame);
      this._emit(', ');
    }
    this._emit(`${JSON.stringify(nodeName(callee))}, context, [`);
    (node.args as NjNode & { children: NjNode[] }).children.forEach((child, i) => {
      if (i > 0) this._emit(',');
      this.compile(child, frame);
    });
    this._emit(']))');
  }

  /** Like nunjucks', but the test name is JSON-escaped. */
  compileIs(node: NjNode, frame: unknown): void {
    const right = node.right as NjNode;
    const name = right.typename === 'FunCall' ? (right.name as NjNode).value : right.value;
    this._emit(`env.getTest(${JSON.stringify(String(name))}).call(context, `);
    this.compile(node.left as NjNode, frame);
    if (right.args) {
      this._emit(',');
      this.compile(right.args as NjNode, frame);
    }
    this._emit(') === true');
  }

  /**
   * Arguments that let the runtime explain an undefined output like Jinja does: the expression's name and,
   * for a pure lookup chain (`a.b['c']`), its path, walked again only when the value is undefined.
   */
  private undefinedInfo(node: NjNode): string {
    const path = lookupPath(node);
    return `${JSON.stringify(nodeName(node))}, ${path ? JSON.stringify(path) : 'null'}, context, frame`;
  }

  compileOutput(node: NjNode, frame: unknown): void {
    for (const child of node.children as NjNode[]) {
      if (this.valueMode) {
        if (child.typename === 'TemplateData') continue;
        this._emit(`${this.buffer} = `);
        if (this.strict) this._emit('runtime.ensureDefinedNamed(');
        this._compileExpression(child, frame);
        if (this.strict) this._emit(`, ${this.undefinedInfo(child)})`);
        this._emitLine(';');
        continue;
      }
      if (child.typename === 'TemplateData') {
        if (child.value) this._emitLine(`${this.buffer} += ${JSON.stringify(child.value)};`);
        continue;
      }
      this._emit(`${this.buffer} += runtime.suppressValue(`);
      if (this.strict) this._emit('runtime.ensureDefinedNamed(');
      this._compileExpression(child, frame);
      if (this.strict) this._emit(`, ${this.undefinedInfo(child)})`);
      this._emit(', env.opts.autoescape);\n');
    }
  }
}
