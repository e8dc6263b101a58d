import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type ScalarTag, type Tags } from 'yaml';

/** A parsed YAML file that can say on which line a field lives. */
export interface YamlFile {
  file: string;
  data: unknown;
  /** 1-based line of the node at a JSON-pointer-like path ('/parameters/cmd/type'); nearest ancestor if absent. */
  lineOf(pointer: string): number | undefined;
}

export interface YamlParseError {
  file: string;
  message: string;
  line?: number;
}

// PyYAML's resolvers differ from the YAML 1.1 spec the `yaml` package follows: y/n are strings (so a
// parameter named `y` stays `y`), an exponent float needs a dot and a signed exponent, and timestamps are
// kept as strings here (st2 schemas expect strings; a Date object would not survive JSON anyway).
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const PY_FLOAT_EXP = /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*[eE][-+][0-9]+$/;

function pyyamlTags(tags: Tags): Tags {
  return tags
    .filter((t) => (t as ScalarTag).tag !== 'tag:yaml.org,2002:timestamp')
    .map((t) => {
      const tag = t as ScalarTag;
      if (tag.tag === 'tag:yaml.org,2002:bool' && tag.test) {
        return { ...tag, test: tag.test.test('true') ? PY_TRUE : PY_FALSE };
      }
      if (tag.tag === 'tag:yaml.org,2002:float' && tag.format === 'EXP')
        return { ...tag, test: PY_FLOAT_EXP };
      return t;
    });
}

/** Splits '/a/b~1c' into ['a', 'b/c'] (JSON Pointer escaping). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Reads st2 content: YAML 1.1 like PyYAML (yes/no booleans, 1.0 a float), first document only.
 * Returns an error record instead of throwing.
 */
export function readYamlFile(file: string): YamlFile | YamlParseError {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { file, message: `cannot read file: ${(err as Error).message}` };
  }
  return parseYamlText(file, text);
}

export function parseYamlText(file: string, text: string): YamlFile | YamlParseError {
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, {
      version: '1.1',
      customTags: pyyamlTags,
      lineCounter,
      prettyErrors: false,
      uniqueKeys: false,
    });
  } catch (err) {
    return { file, message: `invalid YAML: ${(err as Error).message}` };
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.pos ? lineCounter.linePos(e.pos[0]).line : undefined;
    return { file, line, message: `invalid YAML: ${e.message.split('\n')[0]}` };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    return { file, message: `invalid YAML: ${(err as Error).message}` };
  }
  const lineOf = (pointer: string): number | undefined => {
    let node: unknown = doc.contents;
    let line = nodeLine(node, lineCounter);
    for (const seg of pointerSegments(pointer)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === seg);
        if (!pair) break;
        line = nodeLine(pair.key, lineCounter) ?? line;
        node = pair.value;
      } else if (isSeq(node)) {
        const child = node.items[Number(seg)];
        if (!/^\d+$/.test(seg) || child === undefined) break;
        line = nodeLine(child, lineCounter) ?? line;
        node = child;
      } else break;
    }
    return line;
  };
  return { file, data, lineOf };
}

export function isYamlParseError(x: YamlFile | YamlParseError): x is YamlParseError {
  return !('data' in x);
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return undefined;
  return String(key);
}

function nodeLine(node: unknown, lc: LineCounter): number | undefined {
  if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  return undefined;
}

// Definitions built from a YAML file remember it, so later checks (cross-pack references) can name a line.
const sources = new WeakMap<object, YamlFile>();

export function rememberSource(definition: object, yaml: YamlFile): void {
  sources.set(definition, yaml);
}

/** Line of a field of a loaded definition (rule, alias, ...), when it came from a YAML file. */
export function sourceLine(definition: object, pointer: string): number | undefined {
  return sources.get(definition)?.lineOf(pointer);
}
