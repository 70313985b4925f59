// A runbook after parsing and schema validation, before targeting and templating.
import type { Role, SourcePos } from './inventory.js';

export type ParamType = 'string' | 'int' | 'bool' | 'path' | 'secret';
export type ParamValue = string | number | boolean;

export interface ParamSpec {
  name: string;
  type: ParamType;
  default?: ParamValue;
  required: boolean;
  description?: string;
}

/** A template string: `{{ node.address }}` etc. Rendering and quoting happen in src/plan. */
export type Template = string;

export type ManifestEdit =
  | { op: 'setFlag'; flag: string; value: Template }
  | { op: 'removeFlag'; flag: string }
  | { op: 'setHostPath'; volume: string; path: Template }
  /** etcd's startup window widened for the db being restored: `dbFile` is a node path, its size the db's. */
  | { op: 'relaxProbes'; dbFile: Template }
  /** The probe blocks of the node file `from` (the manifest before the restore) put back. */
  | { op: 'restoreProbes'; from: Template };

export type Action =
  | { kind: 'shell'; script: Template; sudo: boolean }
  | { kind: 'upload'; src: Template; dest: Template; mode?: string; sha256?: Template }
  | { kind: 'download'; src: Template; dest: Template }
  | { kind: 'manifest'; file: Template; edits: ManifestEdit[]; sudo: boolean }
  | { kind: 'wait'; command: Template; match?: string; timeoutMs: number; intervalMs: number; sudo: boolean }
  | { kind: 'capture'; command: Template; secret: boolean; sudo: boolean }
  | { kind: 'local'; command: Template }
  | { kind: 'confirm'; message: Template }
  | PlaceManifestAction
  | EnsureFilesAction;

/** `apply` changes the node; `check` (rehearsal) only says what `apply` would do. */
export type PrimitiveMode = 'apply' | 'check';

/**
 * Ensures `<stash>/<file>` on the node from the first source that has it: the stash (earlier
 * run), the manifests dir or a `searchPath` dir (moved, origin recorded in `<file>.from`), the
 * backup's copy of this very node, or a surviving member's manifest rebuilt with this node's
 * identity (origin recorded in `<file>.created`). The surviving members are found in the
 * inventory at plan time; the engine reads their manifest through the transport.
 */
export interface PlaceManifestAction {
  kind: 'placeManifest';
  /** File name in the manifests dir: `etcd.yaml`, `kube-apiserver.yaml`. */
  file: string;
  stash: Template;
  /** Colon-separated node dirs an operator moved manifests to; may render empty. */
  searchPath: Template;
  /** Backup dir on the operator machine (etcd-backup's layout); may render empty. */
  backup: Template;
  mode: PrimitiveMode;
  /**
   * apply only: a file in the manifests dir or a searchPath dir stays where it is (nothing is
   * stopped); only a file no such dir has is created in the stash, from the backup or rebuilt.
   * Lets a runbook do the rebuild before the stop.
   */
  createOnly?: boolean;
  sudo: boolean;
}

/**
 * Per-node files (certificates under the node's pki dir) that must exist: each missing one is
 * uploaded from the backup's copy of THIS node (`nodes/<node>/pki/<file>`), never another's.
 */
export interface EnsureFilesAction {
  kind: 'ensureFiles';
  /** Paths relative to the node's pki dir, e.g. `etcd/server.crt`. */
  files: string[];
  backup: Template;
  mode: PrimitiveMode;
  sudo: boolean;
}

export type ActionKind = Action['kind'];

export interface TargetSpec {
  roles?: Role[];
  groups?: string[];
  labels?: Record<string, string>;
  nodes?: string[];
  /** Run on a single node of the selection (the first in `order`). */
  one?: boolean;
  /** @default 'inventory' */
  order?: 'inventory' | 'name' | 'reverse';
}

export type Concurrency =
  | { mode: 'parallel'; limit?: number }
  | { mode: 'serial' }
  | { mode: 'batches'; size: number };

export type FailurePolicy = { mode: 'stop' } | { mode: 'continue' } | { mode: 'maxFailPercent'; percent: number };

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** A step written as a built-in DR action (src/actions): its name and arguments as written. */
export interface ActionUse {
  action: string;
  /** Schema-valid arguments; string values are templates. */
  args: Record<string, unknown>;
}

export interface Step {
  id: string;
  name: string;
  description?: string;
  /** Absent for `local` and `confirm` steps, which run once on the operator machine. */
  targets?: TargetSpec;
  action: Action;
  /** Set when the step calls a DR action: `action`, `undo`, `check` are its expansion. */
  uses?: ActionUse;
  /** Template evaluated at plan time to a boolean (e.g. `{{ params.rejoinWorkers }}`). */
  when?: Template;
  concurrency: Concurrency;
  retry: RetryPolicy;
  timeoutMs: number;
  idempotent: boolean;
  /**
   * The step only looks (preflight probes, health checks): a rehearsal runs its action as its
   * check. Implies idempotent; a read-only step has no undo and no separate check.
   */
  readOnly: boolean;
  /**
   * Runs together with the step before it in the phase (both start at once; the next step waits
   * for both). For independent steps only: it must not read a capture of its group.
   */
  withPrevious?: boolean;
  /**
   * Runs only when the named earlier step changed something on a node in this run (a handler,
   * as Ansible's `notify`): skipped at run time when every task of that step reported no change.
   * An action that cannot tell always counts as a change.
   */
  onlyIfChanged?: string;
  undo?: Action;
  check?: Action;
  /** Approval text shown before the step starts; skipped by `--yes`. */
  confirm?: string;
  onFailure: FailurePolicy;
  pos?: SourcePos;
}

export interface Phase {
  name: string;
  description?: string;
  steps: Step[];
}

export interface Runbook {
  source: string;
  name: string;
  description?: string;
  version?: string;
  params: ParamSpec[];
  phases: Phase[];
  /** sha256 of the runbook file bytes. */
  hash: string;
}
