/**
 * Options that make the `yaml` package read and write YAML the way PyYAML (what st2 uses) does. The yaml
 * package's YAML 1.1 schema treats `y`/`n`/`Y`/`N` as booleans; PyYAML does not (`{x: 3, y: 4}` must keep
 * the key `y`). Everything else of YAML 1.1 (yes/no/on/off, octal, sexagesimal) is kept.
 */
import type { DocumentOptions, ParseOptions, SchemaOptions, ToStringOptions } from 'yaml';

type Tag = { tag?: string; test?: RegExp; identify?: (v: unknown) => boolean };

const PY_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PY_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

function pyBoolTags(tags: unknown[]): unknown[] {
  return tags.map((t) => {
    const tag = t as Tag;
    if (tag.tag !== 'tag:yaml.org,2002:bool' || !tag.test || !tag.identify) return t;
    return { ...tag, test: tag.identify(true) ? PY_TRUE : PY_FALSE };
  });
}

/** Spread into `parse(...)` / `stringify(...)` options: `parse(src, { ...PYYAML_OPTIONS })`. */
export const PYYAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions & ToStringOptions = {
  version: '1.1',
  customTags: pyBoolTags as SchemaOptions['customTags'],
};
