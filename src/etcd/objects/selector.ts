// Which keys an `objects` command works on: selectors RESOURCE[/NAMESPACE[/NAME]] with `*` and
// `?` globs inside a segment, `--namespace-contents` (a namespaces/NAME selector also takes
// every namespaced object in that namespace) and raw `--prefix` under /registry/. Pure: the
// same Selection filters the snapshot scan and the live read, and names the prefixes to read.
import { ObjectsError } from './errors.js';
import { parseObjectKey, REGISTRY, storagePrefix } from './key.js';

export interface SelectionInput {
  /** RESOURCE[/NAMESPACE[/NAME]] (repeatable). */
  selectors?: readonly string[];
  /** Raw key prefixes (repeatable). */
  prefixes?: readonly string[];
  /** namespaces/NAME selectors also select everything in those namespaces. @default false */
  namespaceContents?: boolean;
  /** Accept a --prefix outside /registry/ (a warning is still shown). @default false */
  allowOutsideRegistry?: boolean;
  /** An empty selection means every key (list/get only; restore refuses it). @default false */
  emptyMeansAll?: boolean;
}

export interface Selection {
  matches(key: string): boolean;
  /** Key prefixes whose union holds every selected key (for the live read), none covering another. */
  readPrefixes: string[];
  /** The selection as the operator gave it, for reports and the audit. */
  describe: string[];
}

type Rule = (key: string) => boolean;

const RESOURCE = /^[a-z0-9*?][a-z0-9.*?-]*$/;
const SEGMENT = /^[A-Za-z0-9._:@*?+=-]+$/;

const bad = (what: string, why: string): ObjectsError =>
  new ObjectsError('OBJECTS_BAD_SELECTOR', `--select ${JSON.stringify(what)}: ${why}`, {
    hint: 'write RESOURCE[/NAMESPACE[/NAME]] like kubectl names them, e.g. configmaps/prod/app-*, namespaces/prod, widgets.example.com/shop/w-1; or a raw key prefix with --prefix /registry/…',
  });

/** Builds a Selection; throws OBJECTS_* (exit 2) on a malformed selector or prefix. */
export function parseSelection(input: SelectionInput): Selection {
  const rules: Rule[] = [];
  const prefixes: string[] = [];
  const describe: string[] = [];
  for (const s of input.selectors ?? []) {
    const sel = parseSelector(s);
    rules.push(sel.rule);
    prefixes.push(sel.prefix);
    describe.push(s);
    if (input.namespaceContents && sel.resource === 'namespaces' && sel.segments[0] !== undefined) {
      const ns = globRegExp(sel.segments[0]);
      rules.push((key) => {
        const k = parseObjectKey(key);
        return k.resource !== '' && k.rest.length >= 2 && ns.test(k.rest[0] ?? '');
      });
      prefixes.push(REGISTRY);
      describe.push(`everything in namespace ${sel.segments[0]}`);
    }
  }
  if (input.namespaceContents && !(input.selectors ?? []).some((s) => s.startsWith('namespaces/'))) {
    throw new ObjectsError('OBJECTS_BAD_SELECTOR', '--namespace-contents needs a namespaces/NAME selector', { hint: 'e.g. --select namespaces/prod --namespace-contents' });
  }
  for (const p of input.prefixes ?? []) {
    checkPrefix(p, input.allowOutsideRegistry ?? false);
    rules.push((key) => key.startsWith(p));
    prefixes.push(p);
    describe.push(`prefix ${p}`);
  }
  if (rules.length === 0) {
    if (!input.emptyMeansAll) {
      throw new ObjectsError('OBJECTS_NO_SELECTION', 'no selection: say which objects', { hint: 'add --select RESOURCE[/NAMESPACE[/NAME]] or --prefix /registry/…' });
    }
    return { matches: () => true, readPrefixes: [''], describe: ['every key'] };
  }
  return { matches: (key) => rules.some((r) => r(key)), readPrefixes: minimalPrefixes(prefixes), describe };
}

interface ParsedSelector {
  resource: string;
  segments: string[];
  rule: Rule;
  prefix: string;
}

function parseSelector(s: string): ParsedSelector {
  if (s.startsWith('/')) throw bad(s, 'a selector names a resource, not a key');
  const parts = s.split('/');
  if (parts.length > 3) throw bad(s, `${parts.length} segments; at most 3 (resource, namespace, name)`);
  const empty = parts.findIndex((p) => p === '');
  if (empty >= 0) throw bad(s, `segment ${empty + 1} is empty`);
  const [resource = '', ...segments] = parts;
  if (!RESOURCE.test(resource)) throw bad(s, `resource ${JSON.stringify(resource)} is not a lower-case resource name (plural, e.g. configmaps)`);
  for (const seg of segments) if (!SEGMENT.test(seg)) throw bad(s, `${JSON.stringify(seg)} holds a character that no namespace or object name has`);
  const resourceRe = globRegExp(resource);
  const segRes = segments.map(globRegExp);
  const rule: Rule = (key) => {
    const k = parseObjectKey(key);
    if (k.resource === '' || !resourceRe.test(k.resource) || k.rest.length < segRes.length) return false;
    if (segRes.length === 2 && k.rest.length !== 2) return false;
    return segRes.every((re, i) => re.test(k.rest[i] ?? ''));
  };
  return { resource, segments, rule, prefix: literalPrefix(resource, segments) };
}

/** The longest key prefix every key matching the selector has. */
function literalPrefix(resource: string, segments: readonly string[]): string {
  if (hasGlob(resource)) return REGISTRY;
  let prefix = storagePrefix(resource);
  for (const [i, seg] of segments.entries()) {
    const glob = seg.search(/[*?]/);
    if (glob >= 0) return prefix + seg.slice(0, glob);
    prefix += i === segments.length - 1 ? seg : `${seg}/`;
  }
  return prefix;
}

function checkPrefix(p: string, allowOutside: boolean): void {
  const fix = 'give a key prefix such as /registry/configmaps/prod/';
  if (p === '' || [...p].some((c) => c < ' ' || c === '\x7f')) throw new ObjectsError('OBJECTS_BAD_PREFIX', `--prefix ${JSON.stringify(p)}: empty or holds control characters`, { hint: fix });
  if (!p.startsWith(REGISTRY)) {
    if (allowOutside) return;
    throw new ObjectsError('OBJECTS_PREFIX_OUTSIDE_REGISTRY', `--prefix ${JSON.stringify(p)} is outside /registry/ (not a Kubernetes object)`, {
      hint: `${fix}; to really select keys outside /registry/ add --allow-outside-registry`,
    });
  }
  if (p === REGISTRY) throw new ObjectsError('OBJECTS_BAD_PREFIX', '--prefix /registry/ selects the whole cluster', { hint: `${fix}; restoring everything is a full restore (runbooks/ha-restore.yaml)` });
}

const hasGlob = (s: string): boolean => /[*?]/.test(s);

/** `*` any run of characters, `?` one character, within one segment. */
export function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\=:@-]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function minimalPrefixes(all: readonly string[]): string[] {
  const sorted = [...new Set(all)].sort();
  const out: string[] = [];
  for (const p of sorted) if (!out.some((q) => p.startsWith(q))) out.push(p);
  return out;
}
