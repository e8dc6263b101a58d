/** YAQL syntax tree (the subset Orquesta workflows use). */
export type YaqlNode =
  | { type: 'literal'; value: unknown }
  | { type: 'keyword'; name: string }
  | { type: 'var'; name: string }
  | { type: 'call'; name: string; args: YaqlArg[] }
  | { type: 'method'; target: YaqlNode; name: string; args: YaqlArg[]; nullSafe?: boolean }
  | { type: 'member'; target: YaqlNode; name: string; nullSafe?: boolean }
  | { type: 'index'; target: YaqlNode; index: YaqlNode }
  | { type: 'unary'; op: string; operand: YaqlNode }
  | { type: 'binary'; op: string; left: YaqlNode; right: YaqlNode }
  | { type: 'list'; items: YaqlNode[] }
  | { type: 'dict'; entries: Array<[YaqlNode, YaqlNode]> };

/** A call argument; `name` is set for keyword arguments (`decrypt => true`). */
export interface YaqlArg {
  name?: string;
  value: YaqlNode;
}
