// etcd's own probes during a restore. kubeadm's etcd manifest has a startup probe (10 s delay,
// every 10 s, 24 failures: ~250 s) and a liveness probe (8 failures of 10 s). A member loading a
// multi-GiB restored db can take longer than that before /health answers: the kubelet kills it,
// it starts loading again, and is killed again, in a loop. For the restore, the time the kubelet
// allows is raised to a budget computed from the db size; after quorum the original probe
// blocks are put back. Pure text → text through the yaml Document API (comments and the rest of
// the manifest survive), like manifest.ts.
import { isMap, parseDocument, type Document, type YAMLMap } from 'yaml';
import { KubedrError } from '../errors/index.js';

export interface ProbeBudgetOptions {
  /**
   * Load speed assumed for the restored db (bbolt open + mvcc index rebuild + the initial hash
   * checks), deliberately slow: the cost of a too-long budget is only a slower restart of a
   * member that is really stuck. @default 10 MiB/s
   */
  loadBytesPerSec?: number;
  /** Added to every budget: process start, WAL replay, peer connections. @default 120 */
  baseSeconds?: number;
}

export interface ProbeWindow {
  initialDelaySeconds: number;
  periodSeconds: number;
  failureThreshold: number;
}

export interface ProbeRelaxation {
  text: string;
  changed: boolean;
  /** Seconds the kubelet lets the member start before it kills it, before and after. */
  allowedBefore: number;
  allowedAfter: number;
  budgetSeconds: number;
}

const PROBES = ['startupProbe', 'livenessProbe'] as const;

/** Seconds a member of `dbBytes` may need before its /health answers. */
export function loadBudgetSeconds(dbBytes: number, o: ProbeBudgetOptions = {}): number {
  const rate = o.loadBytesPerSec ?? 10 * 1024 * 1024;
  return Math.ceil((o.baseSeconds ?? 120) + Math.max(0, dbBytes) / rate);
}

/** The kubelet's defaults for fields a probe leaves out. */
function windowOf(p: YAMLMap | undefined): ProbeWindow | undefined {
  if (p === undefined) return undefined;
  const n = (k: string, d: number): number => {
    const v = p.get(k);
    return typeof v === 'number' ? v : d;
  };
  return { initialDelaySeconds: n('initialDelaySeconds', 0), periodSeconds: n('periodSeconds', 10), failureThreshold: n('failureThreshold', 3) };
}

/** How long after the container starts the kubelet kills it if /health never answers. */
export function allowedStartSeconds(startup: ProbeWindow | undefined, liveness: ProbeWindow | undefined): number {
  const w = startup ?? liveness;
  return w === undefined ? Infinity : w.initialDelaySeconds + w.periodSeconds * w.failureThreshold;
}

function container(doc: Document, source: string): YAMLMap {
  const c = doc.getIn(['spec', 'containers', 0]);
  if (!isMap(c)) throw new KubedrError('MANIFEST_NO_CONTAINER', `${source}: spec.containers[0] is not a mapping`, { hint: 'kubedr edits static-pod manifests written by kubeadm' });
  return c;
}

function parse(text: string, source: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new KubedrError('MANIFEST_INVALID_YAML', `${source}: ${doc.errors[0]?.message ?? 'invalid YAML'}`, { cause: doc.errors[0] });
  return doc;
}

const probe = (c: YAMLMap, key: (typeof PROBES)[number]): YAMLMap | undefined => {
  const p = c.get(key);
  return isMap(p) ? p : undefined;
};

/**
 * Gives the member at least `loadBudgetSeconds(dbBytes)` to start: the startup probe's
 * failureThreshold is raised (the liveness probe only runs once it has passed); without a
 * startup probe, the liveness probe's initialDelaySeconds. Never lowers anything; a manifest
 * without probes is returned unchanged.
 */
export function relaxEtcdProbes(text: string, dbBytes: number, source: string, o: ProbeBudgetOptions = {}): ProbeRelaxation {
  const doc = parse(text, source);
  const c = container(doc, source);
  const startup = probe(c, 'startupProbe');
  const liveness = probe(c, 'livenessProbe');
  const budgetSeconds = loadBudgetSeconds(dbBytes, o);
  const allowedBefore = allowedStartSeconds(windowOf(startup), windowOf(liveness));
  if (allowedBefore >= budgetSeconds) return { text, changed: false, allowedBefore, allowedAfter: allowedBefore, budgetSeconds };
  if (startup) {
    const w = windowOf(startup) as ProbeWindow;
    startup.set('failureThreshold', Math.ceil((budgetSeconds - w.initialDelaySeconds) / Math.max(1, w.periodSeconds)));
  } else if (liveness) {
    const w = windowOf(liveness) as ProbeWindow;
    liveness.set('initialDelaySeconds', budgetSeconds - w.periodSeconds * w.failureThreshold);
  }
  const allowedAfter = allowedStartSeconds(windowOf(startup), windowOf(liveness));
  return { text: render(doc, text), changed: true, allowedBefore, allowedAfter, budgetSeconds };
}

/**
 * Puts the probe blocks of `original` (the manifest before the restore) back into `current`,
 * keeping every other edit of `current` (flags, volumes). A probe `original` did not have is removed.
 */
export function restoreEtcdProbes(current: string, original: string, source: string): string {
  const doc = parse(current, source);
  const c = container(doc, source);
  const from = container(parse(original, `${source} (original)`), `${source} (original)`);
  for (const key of PROBES) {
    const p = probe(from, key);
    if (p) c.set(key, doc.createNode(p.toJSON()));
    else c.delete(key);
  }
  return render(doc, current);
}

/** As manifest.ts: keep kubeadm's sequence style (`- ` at the parent key's indent), never fold flags. */
function render(doc: Document, text: string): string {
  const compactSeq = /^( *)[^\s#-][^\n]*:\n\1- /m.test(text);
  return doc.toString({ indentSeq: !compactSeq, lineWidth: 0 });
}
