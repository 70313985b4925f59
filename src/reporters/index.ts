// Public surface of src/reporters: RunEvents → terminal (listr2), CI log (plain), JSON lines.
export type { Reporter, Write } from './types.js';
export { createPlainReporter, type PlainReporterOptions } from './plain.js';
export { createJsonReporter } from './json.js';
export { createListrReporter, type ListrReporter, type ListrReporterOptions } from './listr.js';
export { outlineOfPlan, type ProgressOutline, type OutlineStep } from './outline.js';
export { chooseReporter, pickReporterKind, isCi, type ChooseReporterOptions, type ReporterKind } from './choose.js';
export { formatEventLine } from './lines.js';
