// Parses YAML text into a plain value plus a Locator; syntax errors and duplicate keys become
// positioned problems instead of exceptions, so validation can report everything at once.
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { Problem } from '../errors/index.js';
import { createLocator, type Locator } from './locate.js';

export interface ParsedYaml {
  value: unknown;
  locate: Locator;
  problems: Problem[];
}

interface Composed {
  doc: Document.Parsed;
  lines: LineCounter;
}

// merge: operators write `<<: *defaults` in inventories; YAML 1.2 leaves it off by default
function compose(text: string): Composed {
  const lines = new LineCounter();
  return { doc: parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true, strict: true, merge: true }), lines };
}

/** Only the locator of `text` (positions for a problem found later), without converting it to values. */
export function yamlLocator(text: string, file: string): Locator {
  const { doc, lines } = compose(text);
  return createLocator(doc, lines, file, text);
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const { doc, lines } = compose(text);
  const locate = createLocator(doc, lines, file, text);
  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const start = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
    const duplicate = err.code === 'DUPLICATE_KEY';
    problems.push({
      code: duplicate ? 'YAML_DUPLICATE_KEY' : 'YAML_SYNTAX',
      message: firstLine(err.message),
      hint: duplicate ? 'remove or rename one of the two keys: YAML keeps only one of them' : 'fix the YAML syntax at this position (indentation, quoting, a missing ":")',
      pos: { file, line: start.line, col: start.col },
      severity: 'error',
    });
  }
  for (const warn of doc.warnings) {
    const start = warn.linePos?.[0] ?? lines.linePos(warn.pos[0]);
    problems.push({ code: 'YAML_WARNING', message: firstLine(warn.message), pos: { file, line: start.line, col: start.col }, severity: 'warning' });
  }
  let value: unknown;
  if (!problems.some((p) => p.severity === 'error')) {
    try {
      value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    } catch (err) {
      // An alias bomb (or a merge key that refers to itself): refused, not expanded.
      problems.push({
        code: 'YAML_ALIAS_LIMIT',
        message: `aliases expand too far: ${firstLine(err instanceof Error ? err.message : String(err))}`,
        hint: 'use fewer aliases (at most 100 expansions), and no alias that refers to itself',
        pos: { file, line: 1, col: 1 },
        severity: 'error',
      });
    }
  }
  return { value, locate, problems };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
