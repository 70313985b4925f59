// Public surface of src/plan: pure planning, quoting and rendered-text helpers.
export { buildPlan, planRunbook, type PlanOptions, type PlanResult, type StepLocator } from './build.js';
export { hashPlan } from './hash.js';
export { parseParamFlags, resolveParams } from './params.js';
export { formatPlan } from './format.js';
export { shellQuote } from './quote.js';
export { displayText, literal, refsOf, resolveText, secretValuesOf } from './text.js';
export { parseTemplate, FILTERS } from './template.js';
export { limitPlan, resolveLimit, NEEDS_EVERY_MEMBER } from './limit.js';
