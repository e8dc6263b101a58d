export type { RenderRuleParamsOptions } from './action-parameters.ts';
export {
  ParameterRenderError,
  renderRuleActionParameters,
  SHELL_CMD_RUNNERS,
  untrustedRuleParameters,
} from './action-parameters.ts';
export type { CriteriaEvaluation, CriterionExplanation, St2kv } from './criteria.ts';
export { compileCriteria, evaluateCriteria, explainCriteria } from './criteria.ts';
export type { EnforcerDeps } from './enforcer.ts';
export { enforceRules } from './enforcer.ts';
export { getOperator, isOperator, OPERATORS, UnrecognizedConditionError } from './operators.ts';
export { PayloadLookup } from './payload-lookup.ts';
export type { MatchContext, RuleMatch } from './rule-engine.ts';
export { matchRulesLinear, RuleEngine } from './rule-engine.ts';
export type { ParseRuleOptions } from './rule-parser.ts';
export { parseRuleDefinition, RuleValidationError } from './rule-parser.ts';
export type { RuleTestResult, TestRuleOptions } from './rule-test.ts';
export { parseTriggerInstance, TriggerInstanceFileError, testRule } from './rule-test.ts';
