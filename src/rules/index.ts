/** Rules files (`--rules FILE`): loading, checking and watching. The rules run in RulesInterceptor. */
export { RulesError, formatRulesError, type RulesErrorPlace } from './errors.js';
export { loadRulesFile, parseRules, readRulesText } from './load.js';
export { watchRulesFile, type RulesWatcher, type RulesWatchOptions } from './watch.js';
export { applyMergePatch } from './merge-patch.js';
export { compileTemplate, type CompiledTemplate } from './template.js';
export { describeRule, type Rule, type RuleAction, type RuleSet, type ActionName } from './types.js';
export { ACTION_FIELDS } from './validate.js';
