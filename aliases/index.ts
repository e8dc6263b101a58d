export { AliasFormatNotAvailableError, parseWithAliasFormat } from './alias-format.ts';
export { type CliMatchResult, matchForCli } from './cli-match.ts';
export {
  AliasFormatError,
  AliasParseError,
  type CompiledFormat,
  compileFormat,
  normalizeCommand,
  type ParseOptions,
  parseCommand,
  parseCommandMultiple,
} from './format-parser.ts';
export { type HelpEntry, type HelpOptions, type HelpResult, listHelp } from './help.ts';
export {
  type AliasFormatProblem,
  AliasMatcher,
  type AliasMatcherOptions,
  type AliasMatchFound,
  type AliasMatchResult,
  type MatchCandidate,
  type MatchOptions,
} from './matcher.ts';
export { type NormalizedFormat, normalizeFormat } from './normalize-format.ts';
export {
  AliasParameterError,
  buildExecutionParameters,
  castParameter,
  type ExecutionParameters,
} from './parameters.ts';
export { PythonRegexError } from './python-regex.ts';
