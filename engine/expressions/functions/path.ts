/** st2 path functions: Python os.path.basename / os.path.dirname (POSIX). */
import type { ExpressionFunction } from '../index.ts';
import { positionalOnly } from '../kwargs.ts';
import { pyStr } from '../python-values.ts';

export const pathFunctions: Record<string, ExpressionFunction> = {
  // os.path.basename('/a/b/') is '' (unlike node's path.basename).
  basename: (...args) => {
    const p = pyStr(positionalOnly(args)[0]);
    return p.slice(p.lastIndexOf('/') + 1);
  },
  // os.path.dirname('/a/b') is '/a'; trailing slashes of the head are stripped unless it is all slashes.
  dirname: (...args) => {
    const p = pyStr(positionalOnly(args)[0]);
    const head = p.slice(0, p.lastIndexOf('/') + 1);
    return head && !/^\/+$/.test(head) ? head.replace(/\/+$/, '') : head;
  },
};
