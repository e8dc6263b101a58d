/**
 * The execution graph composed from a spec (orquesta/composers/native.py + graphing.py): nodes are tasks and
 * engine commands reachable from the start tasks; edges are transitions keyed per (source, target) pair.
 */
import {
  getTask,
  inCycle,
  isJoinTask,
  isSplitTask,
  nextTasks,
  type RetrySpec,
  startTasks,
  type WorkflowSpec,
} from './spec.ts';

export interface GraphEdge {
  src: string;
  dst: string;
  /** Index among the edges between the same (src, dst) pair. */
  key: number;
  criteria: string[];
  /** Index of the transition in the source task's `next` list. */
  ref: number;
  /** `${dst}__t${key}`: how the source's task state records the transition outcome. */
  transitionId: string;
  /** `${src}__t${key}`: the split point / back reference name. */
  backref: string;
}

export interface GraphNode {
  id: string;
  barrier?: '*' | number;
  splits?: string[];
  retry?: { when?: string | null; count: string | number; delay?: string | number | null };
}

export interface WorkflowGraph {
  nodes: Map<string, GraphNode>;
  roots: string[];
  /** Outbound edges sorted by target (stable, as Orquesta sorts them). */
  next: Map<string, GraphEdge[]>;
  /** Inbound edges in insertion order. */
  prev: Map<string, GraphEdge[]>;
  barriers: Set<string>;
}

const graphs = new WeakMap<WorkflowSpec, WorkflowGraph>();

/** Composes (once per spec object) the execution graph. */
export function composeGraph(spec: WorkflowSpec): WorkflowGraph {
  const cached = graphs.get(spec);
  if (cached) return cached;
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  // Edges by (source, target): looking them up by scanning all edges made composing quadratic in size.
  const pairs = new Map<string, GraphEdge[]>();
  const addNode = (id: string): GraphNode => {
    let node = nodes.get(id);
    if (!node) {
      node = { id };
      nodes.set(id, node);
    }
    return node;
  };
  const queue: Array<[string, string[]]> = startTasks(spec).map((name) => [name, []]);
  while (queue.length > 0) {
    const [name, splits] = queue.shift() as [string, string[]];
    const node = addNode(name);
    if (isJoinTask(spec, name)) {
      const join = spec.tasks[name]?.join;
      node.barrier = join === 'all' ? '*' : (join as number);
    }
    if (isSplitTask(spec, name) && !inCycle(spec, name)) splits.push(name);
    if (splits.length > 0) node.splits = splits;
    const task = getTask(spec, name);
    if (task.retry) node.retry = retrySpecOf(task.retry);
    for (const next of nextTasks(spec, name)) {
      if (next.name === 'retry') {
        node.retry = { when: next.condition ?? '<% completed() %>', count: 3 };
        continue;
      }
      if (!nodes.has(next.name) || !inCycle(spec, next.name)) queue.push([next.name, [...splits]]);
      addNode(next.name);
      const criteria = next.condition ? [next.condition] : [];
      const pair = `${name}\u0000${next.name}`;
      const same = pairs.get(pair) ?? [];
      const exists = same.some((e) => e.ref === next.ref && e.criteria.join('\n') === criteria.join('\n'));
      if (exists) continue;
      const key = same.length;
      const edge: GraphEdge = {
        src: name,
        dst: next.name,
        key,
        criteria,
        ref: next.ref,
        transitionId: `${next.name}__t${key}`,
        backref: `${name}__t${key}`,
      };
      edges.push(edge);
      same.push(edge);
      pairs.set(pair, same);
    }
  }
  const next = new Map<string, GraphEdge[]>();
  const prev = new Map<string, GraphEdge[]>();
  for (const id of nodes.keys()) {
    next.set(id, []);
    prev.set(id, []);
  }
  for (const e of edges) {
    next.get(e.src)?.push(e);
    prev.get(e.dst)?.push(e);
  }
  for (const list of next.values()) list.sort((a, b) => (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0));
  const roots = [...nodes.keys()].filter((id) => (prev.get(id) ?? []).length === 0).sort();
  const barriers = new Set([...nodes.values()].filter((n) => n.barrier !== undefined).map((n) => n.id));
  const graph: WorkflowGraph = { nodes, roots, next, prev, barriers };
  graphs.set(spec, graph);
  return graph;
}

function retrySpecOf(retry: RetrySpec): NonNullable<GraphNode['retry']> {
  return { when: retry.when ?? null, count: retry.count, delay: retry.delay ?? null };
}
