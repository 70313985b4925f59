// Renders the engine primitives placeManifest and ensureFiles for one node. The facts a rebuild
// needs (this node's identity, the other members and their manifest dirs) come from the
// inventory here, at plan time, so `kubedr plan` shows where each node's file may come from.
import type { EnsureFilesAction, InventoryNode, NodeIdentity, PlaceManifestAction, PlannedAction, RenderedText, Role } from '../model/index.js';
import type { FieldKind, Issue } from './render.js';
import type { Scope } from './scope.js';
import { displayText } from './text.js';

type Text = (template: string, field: FieldKind) => RenderedText;

export function renderPrimitive(a: PlaceManifestAction | EnsureFilesAction, scope: Scope, text: Text, issue: (i: Issue) => void, sudo: boolean): PlannedAction {
  const node = scope.node;
  if (!node) {
    issue({ code: 'RUNBOOK_PRIMITIVE_WITHOUT_NODE', message: `${a.kind} needs target nodes`, hint: 'give the step targets (e.g. targets: { roles: [etcd] })' });
  }
  const name = node?.name ?? '';
  const backup = optional(text(a.backup, 'path'));
  if (a.kind === 'ensureFiles') {
    const out: PlannedAction = { kind: 'ensureFiles', dir: node?.paths.pkiDir ?? '', files: a.files, backupRel: `nodes/${name}/pki`, mode: a.mode, sudo };
    if (backup) out.backup = backup;
    return out;
  }
  if (!/^[A-Za-z0-9._-]+$/.test(a.file) || a.file.startsWith('.')) {
    issue({ code: 'RUNBOOK_BAD_MANIFEST_FILE', message: `placeManifest file ${JSON.stringify(a.file)} is not a file name`, hint: 'name a file of the manifests dir, e.g. etcd.yaml' });
  }
  // etcd.yaml is rebuilt only from another member; other manifests from another control plane.
  const role: Role = a.file === 'etcd.yaml' ? 'etcd' : 'control-plane';
  const survivors = scope.inventory.nodes.filter((n) => n.name !== name && n.roles.includes(role)).map((n) => ({ identity: identityOf(n), manifestDir: n.paths.manifestDir }));
  const out: PlannedAction = {
    kind: 'placeManifest',
    file: a.file,
    stash: text(a.stash, 'path'),
    manifestDir: node?.paths.manifestDir ?? '',
    searchPath: text(a.searchPath, 'path'),
    backupRel: `nodes/${name}/manifests/${a.file}`,
    target: node ? identityOf(node) : { node: '', address: '' },
    survivors,
    mode: a.mode,
    sudo,
  };
  if (backup) out.backup = backup;
  if (a.createOnly === true && a.mode === 'apply') out.createOnly = true;
  return out;
}

export function identityOf(n: InventoryNode): NodeIdentity {
  const id: NodeIdentity = { node: n.name, address: n.address };
  if (n.etcd) Object.assign(id, { etcdName: n.etcd.name, peerURL: n.etcd.peerURL, clientURL: n.etcd.clientURL });
  return id;
}

/** A path that renders to nothing (an unset `backup` param) means "no backup". */
function optional(t: RenderedText): RenderedText | undefined {
  return t.parts.some((p) => p.t === 'ref') || displayText(t).trim() !== '' ? t : undefined;
}
