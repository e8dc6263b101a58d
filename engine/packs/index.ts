export { type DiscoverOptions, type DiscoverResult, loadAllPacks, loadRegistry } from './discover.ts';
export {
  type InspectAction,
  type LoadPackOptions,
  type LoadPackResult,
  loadPack,
  tryLoadPack,
  UNSUPPORTED_RUNNERS,
} from './load-pack.ts';
export { Registry, type RegistryOptions } from './registry.ts';
export { parametersToObjectSchema, toJsonSchema } from './schemas/content-schema.ts';
export { RULE_OPERATORS } from './schemas/rule-schema.ts';
export { type SchemaIssue, validateWithSchema } from './schemas/validate.ts';
export { BUILTIN_PACKS_DIR, type ValidatePackOptions, validatePackDir } from './validate-pack.ts';
export { parseYamlText, readYamlFile, type YamlFile } from './yaml-file.ts';
