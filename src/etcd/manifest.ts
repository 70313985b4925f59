// Edits of a static-pod manifest (etcd.yaml, kube-apiserver.yaml): flags in
// spec.containers[0].command and hostPath volumes. Pure text → text through the yaml Document
// API, so comments, key order and quoting of untouched lines survive the edit.
import { isMap, isScalar, isSeq, parseDocument, Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { KubedrError } from '../errors/index.js';

export type ManifestEditOp =
  | { op: 'setFlag'; flag: string; value: string }
  | { op: 'removeFlag'; flag: string }
  | { op: 'setHostPath'; volume: string; path: string };

/** `data-dir`, `-data-dir` and `--data-dir` all name the flag `--data-dir`. */
export function flagName(flag: string): string {
  return `--${flag.replace(/^-+/, '')}`;
}

export function applyManifestEdits(text: string, edits: readonly ManifestEditOp[], source: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new KubedrError('MANIFEST_INVALID_YAML', `${source}: ${doc.errors[0]?.message ?? 'invalid YAML'}`, { cause: doc.errors[0] });
  }
  for (const edit of edits) {
    if (edit.op === 'setHostPath') setHostPath(doc.getIn(['spec', 'volumes']), edit.volume, edit.path, source);
    else editFlag(commandOf(doc.getIn(['spec', 'containers', 0, 'command']), source), edit);
  }
  // Keep the file's own sequence style (kubeadm writes `- ` at the parent key's indent) and
  // never fold long flags such as --initial-cluster onto several lines.
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
