// Maps a path into a parsed YAML document back to file:line:col, so every problem found on the
// plain JS value (schema or semantic rule) can name where in the file to look.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { SourcePos } from '../model/index.js';

export type PathSeg = string | number;

export interface LocateOptions {
  /** Point at the key of the last segment rather than its value (unknown-field errors). */
  key?: boolean;
  /** Point inside the value at the first occurrence of this text (a template expression). */
  needle?: string;
}

/** Resolves a value path to its position; falls back to the deepest existing ancestor. */
export type Locator = (path: readonly PathSeg[], opts?: LocateOptions) => SourcePos;

export function createLocator(doc: Document, lines: LineCounter, file: string, text: string): Locator {
  const at = (offset: number): SourcePos => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  return (path, opts = {}) => {
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (last && opts.key && keyStart !== undefined) return at(keyStart);
        node = pair.value;
        offset = rangeStart(node) ?? keyStart ?? offset;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) break;
        node = item;
        offset = rangeStart(node) ?? offset;
      } else {
        break;
      }
    }
    if (opts.needle !== undefined) {
      const found = findNeedle(node, opts.needle, text);
      if (found !== undefined) return at(found);
    }
    return at(offset);
  };
}

/** Offset of the first occurrence of `needle` in a scalar at or below `node`. */
function findNeedle(node: unknown, needle: string, text: string): number | undefined {
  if (isScalar(node) && node.range) {
    const idx = text.slice(node.range[0], node.range[1]).indexOf(needle);
    return idx >= 0 ? node.range[0] + idx : undefined;
  }
  const items: unknown[] = isMap(node) ? node.items.flatMap((p) => [p.key, p.value]) : isSeq(node) ? node.items : [];
  for (const item of items) {
    const found = findNeedle(item, needle, text);
    if (found !== undefined) return found;
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
