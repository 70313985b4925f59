// Edits of a static-pod manifest (etcd.yaml, kube-apiserver.yaml): flags in
// spec.containers[0].command and hostPath volumes. Pure text → text through the yaml Document
// API, so comments, key order and quoting of untouched lines survive the edit.
import { isMap, isScalar, isSeq, parseDocument, Scalar, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { KubedrError } from '../errors/index.js';
import { relaxEtcdProbes, restoreEtcdProbes } from './probe.js';

export type ManifestEditOp =
  | { op: 'setFlag'; flag: string; value: string }
  | { op: 'removeFlag'; flag: string }
  | { op: 'setHostPath'; volume: string; path: string }
  /** The member's start window widened for a restored db of `dbBytes` (probe.ts). */
  | { op: 'relaxProbes'; dbBytes: number }
  /** The probe blocks of `original` (the manifest before the restore) put back. */
  | { op: 'restoreProbes'; original: string };

/** `data-dir`, `-data-dir` and `--data-dir` all name the flag `--data-dir`. */
export function flagName(flag: string): string {
  return `--${flag.replace(/^-+/, '')}`;
}

/** `notes` receives one line per probe edit (what the kubelet allowed before and after). */
export function applyManifestEdits(text: string, edits: readonly ManifestEditOp[], source: string, notes: string[] = []): string {
  let out = text;
  let doc: Document | undefined = parse(text, source);
  const rendered = (): string => (doc === undefined ? out : render(doc, out));
  for (const edit of edits) {
    // The probe edits are text → text (probe.ts); the others share one parsed document.
    if (edit.op === 'relaxProbes' || edit.op === 'restoreProbes') {
      out = rendered();
      doc = undefined;
      if (edit.op === 'restoreProbes') {
        out = restoreEtcdProbes(out, edit.original, source);
        notes.push(`${source}: probes as before the restore`);
        continue;
      }
      const r = relaxEtcdProbes(out, edit.dbBytes, source);
      out = r.text;
      notes.push(r.changed
        ? `${source}: probes relaxed for a ${edit.dbBytes}-byte db: the kubelet allows ${r.allowedAfter} s to start (was ${r.allowedBefore} s, budget ${r.budgetSeconds} s)`
        : `${source}: probes left as they are (they allow ${r.allowedBefore} s to start, budget ${r.budgetSeconds} s for a ${edit.dbBytes}-byte db)`);
      continue;
    }
    doc ??= parse(out, source);
    if (edit.op === 'setHostPath') setHostPath(doc.getIn(['spec', 'volumes']), edit.volume, edit.path, source);
    else editFlag(commandOf(doc.getIn(['spec', 'containers', 0, 'command']), source), edit);
  }
  return rendered();
}

function parse(text: string, source: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new KubedrError('MANIFEST_INVALID_YAML', `${source}: ${doc.errors[0]?.message ?? 'invalid YAML'}`, { cause: doc.errors[0] });
  }
  return doc;
}

/**
 * Keep the file's own sequence style (kubeadm writes `- ` at the parent key's indent) and never
 * fold long flags such as --initial-cluster onto several lines.
 */
function render(doc: Document, text: string): string {
  const compactSeq = /^( *)[^\s#-][^\n]*:\n\1- /m.test(text);
  return doc.toString({ indentSeq: !compactSeq, lineWidth: 0 });
}

function commandOf(node: unknown, source: string): YAMLSeq {
  if (!isSeq(node)) {
    throw new KubedrError('MANIFEST_NO_COMMAND', `${source}: spec.containers[0].command is not a list`, {
      hint: 'kubedr edits static-pod manifests written by kubeadm, whose command lists one flag per item',
    });
  }
  return node;
}

function editFlag(cmd: YAMLSeq, edit: Extract<ManifestEditOp, { op: 'setFlag' | 'removeFlag' }>): void {
  const name = flagName(edit.flag);
  const index = cmd.items.findIndex((item) => {
    const v = isScalar(item) ? String(item.value) : '';
    return v === name || v.startsWith(`${name}=`);
  });
  if (edit.op === 'removeFlag') {
    if (index >= 0) cmd.items.splice(index, 1);
    return;
  }
  const value = `${name}=${edit.value}`;
  const item = index >= 0 ? cmd.items[index] : undefined;
  if (isScalar(item)) item.value = value;
  else cmd.items.push(new Scalar(value));
}

function setHostPath(volumes: unknown, volume: string, path: string, source: string): void {
  const found = isSeq(volumes) ? volumes.items.find((v): v is YAMLMap => isMap(v) && v.get('name') === volume) : undefined;
  if (found === undefined || !isMap(found.get('hostPath'))) {
    throw new KubedrError('MANIFEST_NO_VOLUME', `${source}: no hostPath volume named ${JSON.stringify(volume)} in spec.volumes`, {
      hint: 'check the volume name in the runbook against the manifest (kubeadm names etcd data `etcd-data`)',
    });
  }
  (found.get('hostPath') as YAMLMap).set('path', path);
}

/** A flag's value in a manifest, for checks and tests. */
export function readFlag(text: string, flag: string): string | undefined {
  const cmd = parseDocument(text).getIn(['spec', 'containers', 0, 'command']);
  if (!isSeq(cmd)) return undefined;
  const name = flagName(flag);
  for (const item of cmd.items) {
    const v = isScalar(item) ? String(item.value) : '';
    if (v.startsWith(`${name}=`)) return v.slice(name.length + 1);
  }
  return undefined;
}
