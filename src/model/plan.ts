// The dry-run plan: pure, serializable, hashed. `kubedr plan` prints exactly what `kubedr run`
// executes. Values known only at run time (captured stdout, secret params) stay references.
import type { ActionUse, Concurrency, FailurePolicy, ManifestEdit, ParamValue, PrimitiveMode, RetryPolicy } from './runbook.js';

/**
 * A rendered text: literal pieces plus references resolved at run time. Literal pieces already
 * hold shell-quoted substitutions; a `ref` says whether its value must be quoted when resolved.
 */
export type TextPart =
  | { t: 'lit'; v: string }
  | { t: 'ref'; ref: string; quote: boolean; secret: boolean };

export interface RenderedText {
  parts: TextPart[];
}

export type RenderedManifestEdit =
  | { op: 'setFlag'; flag: string; value: RenderedText }
  | { op: 'removeFlag'; flag: string }
  | { op: 'setHostPath'; volume: string; path: RenderedText }
  | { op: 'relaxProbes'; dbFile: RenderedText }
  | { op: 'restoreProbes'; from: RenderedText };

export type PlannedAction =
  | { kind: 'shell'; script: RenderedText; sudo: boolean }
  | { kind: 'upload'; src: RenderedText; dest: RenderedText; mode?: string; sha256?: RenderedText }
  | { kind: 'download'; src: RenderedText; dest: RenderedText }
  | { kind: 'manifest'; file: RenderedText; edits: RenderedManifestEdit[]; sudo: boolean }
  | { kind: 'wait'; command: RenderedText; match?: string; timeoutMs: number; intervalMs: number; sudo: boolean }
  | { kind: 'capture'; command: RenderedText; secret: boolean; sudo: boolean }
  | { kind: 'local'; command: RenderedText }
  | { kind: 'confirm'; message: RenderedText }
  | PlannedPlaceManifest
  | PlannedEnsureFiles;

/** Who a node is in its manifests (from the inventory), for rebuilding one from a survivor's. */
export interface NodeIdentity {
  node: string;
  address: string;
  etcdName?: string;
  peerURL?: string;
  clientURL?: string;
}

export interface PlannedPlaceManifest {
  kind: 'placeManifest';
  file: string;
  stash: RenderedText;
  manifestDir: string;
  searchPath: RenderedText;
  /** Absent when the run has no backup dir. */
  backup?: RenderedText;
  /** This node's copy in the backup, relative to it: `nodes/<node>/manifests/<file>`. */
  backupRel: string;
  target: NodeIdentity;
  /** Other members (etcd.yaml) or control-plane nodes (other files), in inventory order. */
  survivors: { identity: NodeIdentity; manifestDir: string }[];
  mode: PrimitiveMode;
  /** See PlaceManifestAction.createOnly. */
  createOnly?: boolean;
  sudo: boolean;
}

export interface PlannedEnsureFiles {
  kind: 'ensureFiles';
  /** The node's pki dir. */
  dir: string;
  files: string[];
  backup?: RenderedText;
  /** `nodes/<node>/pki`: this node's own copy, never another node's. */
  backupRel: string;
  mode: PrimitiveMode;
  sudo: boolean;
}

/** Node name used for tasks that run on the operator machine (`local`, `confirm`). */
export const LOCAL_NODE = '@local';

export interface PlanTask {
  /** `${stepId}@${node}`: the unit of checkpointing, audit and `--rerun`/`--assume-done`. */
  key: string;
  stepId: string;
  node: string;
  action: PlannedAction;
  undo?: PlannedAction;
  check?: PlannedAction;
}

export interface PlanStep {
  id: string;
  name: string;
  description?: string;
  phase: string;
  /** The DR action the step calls, shown above its rendered commands. */
  uses?: ActionUse;
  concurrency: Concurrency;
  retry: RetryPolicy;
  timeoutMs: number;
  idempotent: boolean;
  /** Its action only looks; each task's `check` is that same action (rehearsal runs it). */
  readOnly?: boolean;
  /** Starts together with the step before it (same phase) instead of after it ends. */
  withPrevious?: boolean;
  /** Skipped at run time when every task of this earlier step reported no change. */
  onlyIfChanged?: string;
  onFailure: FailurePolicy;
  confirm?: string;
  /** Template expressions inserted without shell quoting (`| raw`), shown in plans. */
  raw?: string[];
  /** Steps whose `when` rendered false are kept with no tasks and `skipped: true`. */
  skipped: boolean;
  tasks: PlanTask[];
  /** Nodes whose tasks of this step `--limit` dropped (src/plan/limit.ts). */
  limitedOut?: string[];
}

export interface PlanPhase {
  name: string;
  steps: PlanStep[];
}

export interface PlanNode {
  name: string;
  address: string;
  port: number;
  user: string;
  roles: string[];
}

export interface PlanLimit {
  /** The `--limit` value as given. */
  spec: string;
  /** Nodes whose tasks run. */
  nodes: string[];
  /** Inventory nodes whose tasks were dropped. */
  left: string[];
}

export interface Plan {
  version: 1;
  runbook: { name: string; source: string; hash: string };
  inventory: { cluster: string; source: string; hash: string };
  /** Non-secret params as resolved; secret params are listed by name only. */
  params: Record<string, ParamValue>;
  secretParams: string[];
  nodes: PlanNode[];
  phases: PlanPhase[];
  /** Set by `--limit`: the plan was built for every node, then only `nodes`' tasks kept. */
  limit?: PlanLimit;
  /** sha256 over everything above (canonical JSON): guards `resume`. */
  hash: string;
}

export type { ManifestEdit };
