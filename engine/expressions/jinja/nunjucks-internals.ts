/**
 * The parts of nunjucks' internals this module builds on (compiler, nodes, runtime). @types/nunjucks does
 * not describe them, so they are typed here once, narrowly.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface NjNode {
  typename: string;
  lineno: number;
  colno: number;
  value?: unknown;
  [field: string]: unknown;
}

export interface NjCompiler {
  _emit(code: string): void;
  _emitLine(code: string): void;
  _compileExpression(node: NjNode, frame: unknown): void;
  _withScopedSyntax(fn: () => void): void;
  compile(node: NjNode, frame: unknown): void;
  getCode(): string;
  buffer: string;
}

export type NjCompilerClass = new (name: string, throwOnUndefined: boolean) => NjCompiler;

export const njCompiler = require('nunjucks/src/compiler.js') as { Compiler: NjCompilerClass };
export const njParser = require('nunjucks/src/parser.js') as {
  parse(src: string, extensions: unknown[], opts: Record<string, unknown>): NjNode;
};
export const njTransformer = require('nunjucks/src/transformer.js') as {
  transform(ast: NjNode, asyncFilters: string[], name?: string): NjNode;
};
export const njNodes = require('nunjucks/src/nodes.js') as Record<string, new (...args: unknown[]) => NjNode>;
export const njRuntime = require('nunjucks/src/runtime.js') as Record<string, unknown> & {
  SafeString: new (val: string) => { val: string; toString(): string };
  Frame: new () => unknown;
};
export const njLib = require('nunjucks/src/lib.js') as {
  TemplateError: new (message: string | Error, lineno?: number, colno?: number) => Error;
};
