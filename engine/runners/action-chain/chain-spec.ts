/**
 * st2's ActionChain definition (`runner_type: action-chain`): a `chain` of nodes run one at a time, each
 * `{name, ref, parameters|params, on-success, on-failure, publish, notify}`, an optional `default` start node
 * and `vars`. Validation follows st2's ChainHolder: node names referenced by on-success/on-failure/default must
 * exist (Jinja names are resolved at run time), the start node is `default`, else the first node nothing
 * references, else the first node.
 */
import { parse } from 'yaml';
import { hasJinja, PYYAML_OPTIONS } from '../../expressions/index.ts';

export interface ChainNode {
  name: string;
  ref: string;
  parameters: Record<string, unknown>;
  on_success?: string;
  on_failure?: string;
  publish?: Record<string, unknown>;
  notify?: Record<string, unknown>;
}

export interface ChainSpec {
  chain: ChainNode[];
  /** The start node (resolved as st2 does when `default` is absent). */
  default?: string;
  vars: Record<string, unknown>;
}

export class ChainSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainSpecError';
  }
}

const NODE_KEYS = new Set([
  'name',
  'ref',
  'params',
  'parameters',
  'on-success',
  'on-failure',
  'publish',
  'notify',
]);
const CHAIN_KEYS = new Set(['chain', 'default', 'vars']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    throw new ChainSpecError(`${where}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Parses (YAML text or an already loaded object) and validates an action chain; `file` names it in errors. */
export function parseChain(source: string | unknown, file = 'action chain'): ChainSpec {
  let raw: unknown = source;
  if (typeof source === 'string') {
    try {
      raw = parse(source, PYYAML_OPTIONS);
    } catch (error) {
      throw new ChainSpecError(
        `Failed to parse action chain definition from "${file}": ${(error as Error).message}`,
      );
    }
  }
  if (!isRecord(raw)) throw new ChainSpecError(`${file}: expected a mapping with a "chain" list`);
  for (const key of Object.keys(raw)) {
    if (!CHAIN_KEYS.has(key))
      throw new ChainSpecError(`${file}: unknown property "${key}" (expected chain, default, vars)`);
  }
  if (!Array.isArray(raw.chain)) throw new ChainSpecError(`${file}: "chain" is required and must be a list`);
  const vars = raw.vars ?? {};
  if (!isRecord(vars)) throw new ChainSpecError(`${file}: "vars" must be a mapping`);
  const chain = raw.chain.map((node, i): ChainNode => {
    const where = `${file}: chain[${i}]`;
    if (!isRecord(node)) throw new ChainSpecError(`${where}: expected a mapping`);
    for (const key of Object.keys(node)) {
      if (!NODE_KEYS.has(key)) throw new ChainSpecError(`${where}: unknown property "${key}"`);
    }
    if (typeof node.name !== 'string' || !node.name)
      throw new ChainSpecError(`${where}: "name" is required (a string)`);
    if (typeof node.ref !== 'string' || !node.ref)
      throw new ChainSpecError(`${where} (${node.name}): "ref" is required (an action ref)`);
    const params = node.params ?? undefined;
    const parameters = node.parameters ?? undefined;
    if (
      isRecord(params) &&
      Object.keys(params).length &&
      isRecord(parameters) &&
      Object.keys(parameters).length
    )
      throw new ChainSpecError(
        `${where} (${node.name}): Either "params" or "parameters" attribute needs to be provided, but not both`,
      );
    const given = parameters ?? params ?? {};
    if (!isRecord(given)) throw new ChainSpecError(`${where} (${node.name}): "parameters" must be a mapping`);
    if (node.publish !== undefined && node.publish !== null && !isRecord(node.publish))
      throw new ChainSpecError(`${where} (${node.name}): "publish" must be a mapping`);
    const out: ChainNode = { name: node.name, ref: node.ref, parameters: given };
    const onSuccess = optionalString(node['on-success'], `${where} (${node.name}) on-success`);
    const onFailure = optionalString(node['on-failure'], `${where} (${node.name}) on-failure`);
    if (onSuccess) out.on_success = onSuccess;
    if (onFailure) out.on_failure = onFailure;
    if (isRecord(node.publish)) out.publish = node.publish;
    if (isRecord(node.notify)) out.notify = node.notify;
    return out;
  });
  const names = new Set(chain.map((n) => n.name));
  const valid = (name: string | undefined) => !name || hasJinja(name) || names.has(name);
  for (const node of chain) {
    if (!valid(node.on_success))
      throw new ChainSpecError(
        `Unable to find node with name "${node.on_success}" referenced in "on-success" in task "${node.name}".`,
      );
    if (!valid(node.on_failure))
      throw new ChainSpecError(
        `Unable to find node with name "${node.on_failure}" referenced in "on-failure" in task "${node.name}".`,
      );
  }
  const given = optionalString(raw.default, `${file}: default`);
  if (given && !valid(given))
    throw new ChainSpecError(`Unable to find node with name "${given}" referenced in "default".`);
  const spec: ChainSpec = { chain, vars };
  const start = given ?? defaultNode(chain);
  if (start) spec.default = start;
  return spec;
}

/** st2: the first node no on-success/on-failure references, else the first node. */
function defaultNode(chain: ChainNode[]): string | undefined {
  if (chain.length === 0) return undefined;
  const referenced = new Set<string>();
  for (const n of chain) {
    if (n.on_success) referenced.add(n.on_success);
    if (n.on_failure) referenced.add(n.on_failure);
  }
  return (chain.find((n) => !referenced.has(n.name)) ?? chain[0])?.name;
}

export function chainNode(spec: ChainSpec, name: string | undefined): ChainNode | undefined {
  return name ? spec.chain.find((n) => n.name === name) : undefined;
}
