// Param values for a plan: defaults, then `--param k=v` strings converted to the declared type.
// Secret params never come from the command line (shell history, ps): they stay run-time refs.
import type { Problem } from '../errors/index.js';
import type { ParamSpec, ParamValue, SourcePos } from '../model/index.js';

export interface ParamsResult {
  values: Record<string, ParamValue>;
  problems: Problem[];
}

/** Splits `k=v` flags; the value may itself contain "=". */
export function parseParamFlags(flags: readonly string[]): { given: Record<string, string>; problems: Problem[] } {
  const given: Record<string, string> = {};
  const problems: Problem[] = [];
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) problems.push({ code: 'PARAM_BAD_FLAG', message: `--param "${flag}" is not name=value`, hint: 'write --param name=value', severity: 'error' });
    else given[flag.slice(0, eq)] = flag.slice(eq + 1);
  }
  return { given, problems };
}

export function resolveParams(specs: readonly ParamSpec[], given: Record<string, string>, posOf: (name: string) => SourcePos | undefined = () => undefined): ParamsResult {
  const values: Record<string, ParamValue> = {};
  const problems: Problem[] = [];
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) problems.push({ code: 'PARAM_UNKNOWN', message: `--param ${name}: the runbook has no param "${name}"`, hint: `declared params: ${[...byName.keys()].join(', ') || 'none'}`, severity: 'error' });
  }
  for (const spec of specs) {
    // Positions are looked up for a problem only: finding one can mean parsing the file again (prepareRunbook).
    const at = (): { pos?: SourcePos } => {
      const pos = posOf(spec.name);
      return pos ? { pos } : {};
    };
    const text = Object.hasOwn(given, spec.name) ? given[spec.name] : undefined;
    if (spec.type === 'secret') {
      if (text !== undefined) problems.push({ code: 'PARAM_SECRET_ON_CLI', message: `--param ${spec.name}: secret params cannot be given on the command line`, hint: 'remove it: secrets are supplied when the runbook runs, never on the command line (shell history, ps)', severity: 'error', ...at() });
      continue;
    }
    if (text === undefined) {
      if (spec.default !== undefined) values[spec.name] = spec.default;
      else if (spec.required) problems.push({ code: 'PARAM_MISSING', message: `param "${spec.name}" is required${spec.description ? ` (${spec.description})` : ''}`, hint: `add --param ${spec.name}=<${spec.type}>`, severity: 'error', ...at() });
      continue;
    }
    const converted = convert(spec, text);
    if (converted === undefined) problems.push({ code: 'PARAM_TYPE', message: `--param ${spec.name}=${text}: not ${/^[aeiou]/.test(spec.type) ? 'an' : 'a'} ${spec.type}`, hint: spec.type === 'bool' ? 'use true or false' : spec.type === 'int' ? 'use a whole number, e.g. 3' : 'give a non-empty value', severity: 'error', ...at() });
    else values[spec.name] = converted;
  }
  return { values, problems };
}

function convert(spec: ParamSpec, text: string): ParamValue | undefined {
  switch (spec.type) {
    case 'int':
      return /^-?\d+$/.test(text) ? Number(text) : undefined;
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'path':
      return text === '' ? undefined : text;
    default:
      return text;
  }
}
