// What a template variable means: a plan-time value (rendered into the plan), or a run-time
// reference (captures, secret params, run.id). Unknown or inapplicable variables are problems.
import type { Inventory, InventoryNode, ParamSpec, ParamValue, Step } from '../model/index.js';
import { closest } from '../schema/index.js';
import { shellQuote } from './quote.js';

export interface Scope {
  inventory: Inventory;
  node?: InventoryNode;
  /** Resolved non-secret params (absent when neither given nor defaulted). */
  params: Record<string, ParamValue>;
  specs: ReadonlyMap<string, ParamSpec>;
  /** Every step of the runbook, by id, to explain bad `steps.<id>` references. */
  steps: ReadonlyMap<string, Step>;
  /** Captures of earlier steps that will exist at run time, by step id. */
  captures: ReadonlyMap<string, CaptureInfo>;
  cluster: { initialCluster: string; endpoints: string; tlsFlags: string };
}

export interface CaptureInfo {
  secret: boolean;
  /** Nodes the capture ran on: a reference is only unambiguous for exactly one. */
  nodes: number;
  skipped: boolean;
}

export type Lookup =
  | { kind: 'value'; value: string; quoted?: boolean }
  | { kind: 'ref'; ref: string; secret: boolean }
  | { kind: 'problem'; code: string; message: string; hint: string };

export const ROOTS = ['node', 'cluster', 'etcd', 'vars', 'params', 'steps', 'run'];
const NODE_FIELDS = ['name', 'address', 'roles', 'groups', 'labels.<key>', 'vars.<key>', 'paths.manifestDir', 'paths.etcdDataDir', 'paths.pkiDir', 'etcd.name', 'etcd.peerURL', 'etcd.clientURL', 'ssh.user', 'ssh.port'];

const problem = (code: string, message: string, hint: string): Lookup => ({ kind: 'problem', code, message, hint });
const value = (v: unknown): Lookup => ({ kind: 'value', value: String(v) });

/** Resolves one variable path. The dotted name is built only for problems: joining on every lookup is measurable. */
export function lookup(path: readonly string[], scope: Scope): Lookup {
  const root = path[0];
  const rest = path.slice(1);
  switch (root) {
    case 'node':
      if (!scope.node) return problem('RUNBOOK_NODE_VAR_WITHOUT_NODE', `{{ ${dotted(path)} }} is used where there is no node (local, confirm or when)`, 'use it in a step that has targets, or use cluster.* / params.* instead');
      return nodeValue(rest, scope.node, path);
    case 'cluster':
      return clusterValue(rest, scope, path);
    case 'etcd': {
      const tls = scope.inventory.etcd.tls as unknown as Record<string, string>;
      if (rest.length === 1 && rest[0] === 'tool') return value(scope.inventory.etcd.tool);
      if (rest.length === 1 && rest[0] === 'tlsFlags') return { kind: 'value', value: scope.cluster.tlsFlags, quoted: true };
      if (rest.length === 2 && rest[0] === 'tls' && rest[1] && Object.hasOwn(tls, rest[1])) return value(tls[rest[1]]);
      return unknown(dotted(path), 'etcd.tool, etcd.tls.cacert, etcd.tls.cert, etcd.tls.key, etcd.tlsFlags');
    }
    case 'vars':
      return mapValue(scope.inventory.vars, rest, path, 'the inventory "vars:"');
    case 'params':
      return paramValue(rest, scope, path);
    case 'steps':
      return stepRef(rest, scope, path);
    case 'run':
      if (rest.length === 1 && rest[0] === 'id') return { kind: 'ref', ref: 'run.id', secret: false };
      return unknown(dotted(path), 'run.id');
    default:
      return problem('RUNBOOK_UNKNOWN_VARIABLE', `unknown variable {{ ${dotted(path)} }}`, `variables start with ${ROOTS.join(', ')}${suggest(root ?? '', ROOTS)}`);
  }
}

function nodeValue(rest: string[], node: InventoryNode, path: readonly string[]): Lookup {
  const [field, sub, extra] = rest;
  if (extra !== undefined) return unknown(dotted(path), NODE_FIELDS.map((f) => `node.${f}`).join(', '));
  if (field === 'name' || field === 'address') return sub === undefined ? value(node[field]) : unknown(dotted(path), 'node.name');
  if (field === 'roles' || field === 'groups') return value(node[field].join(','));
  if (field === 'labels' && sub) return !Object.hasOwn(node.labels, sub) ? problem('RUNBOOK_MISSING_NODE_VALUE', `node "${node.name}" has no label "${sub}" ({{ ${dotted(path)} }})`, `add labels: { ${sub}: ... } to node "${node.name}" or narrow the step's targets`) : value(node.labels[sub]);
  if (field === 'vars' && sub) return mapValue(node.vars, [sub], path, `node "${node.name}" vars`);
  if (field === 'paths' && sub && Object.hasOwn(node.paths, sub)) return value(node.paths[sub as keyof InventoryNode['paths']]);
  if (field === 'ssh' && (sub === 'user' || sub === 'port')) return value(node.ssh[sub]);
  if (field === 'etcd' && (sub === 'name' || sub === 'peerURL' || sub === 'clientURL')) {
    if (!node.etcd) return problem('RUNBOOK_NODE_NOT_ETCD_MEMBER', `node "${node.name}" is not an etcd member, but the step uses {{ ${dotted(path)} }}`, 'target only etcd members (targets: { roles: [etcd] }) or give the node the etcd role');
    return value(node.etcd[sub]);
  }
  return unknown(dotted(path), NODE_FIELDS.map((f) => `node.${f}`).join(', '));
}

function clusterValue(rest: string[], scope: Scope, path: readonly string[]): Lookup {
  if (rest.length !== 1) return unknown(dotted(path), 'cluster.name, cluster.initialCluster, cluster.etcdEndpoints');
  if (rest[0] === 'name') return value(scope.inventory.cluster.name);
  if (rest[0] === 'initialCluster' || rest[0] === 'etcdEndpoints') {
    const v = rest[0] === 'initialCluster' ? scope.cluster.initialCluster : scope.cluster.endpoints;
    if (v === '') return problem('RUNBOOK_NO_ETCD_MEMBERS', `{{ ${dotted(path)} }} is empty: the inventory has no etcd members`, 'give the etcd role to the etcd nodes in the inventory');
    return value(v);
  }
  return unknown(dotted(path), 'cluster.name, cluster.initialCluster, cluster.etcdEndpoints');
}

function mapValue(map: Record<string, unknown>, rest: string[], path: readonly string[], where: string): Lookup {
  const [key, extra] = rest;
  if (key === undefined || extra !== undefined) return unknown(dotted(path), `${dotted(path).split('.').slice(0, -1).join('.') || dotted(path)}.<key>`);
  // own keys only: {{ vars.constructor }} must not reach Object.prototype
  const v = Object.hasOwn(map, key) ? map[key] : undefined;
  if (v === undefined) return problem('RUNBOOK_MISSING_NODE_VALUE', `{{ ${dotted(path)} }}: ${where} has no "${key}"${suggest(key, Object.keys(map))}`, `define "${key}" in ${where}`);
  if (v !== null && typeof v === 'object') return problem('RUNBOOK_NOT_A_SCALAR', `{{ ${dotted(path)} }} is a ${Array.isArray(v) ? 'list' : 'mapping'}, not a single value`, 'refer to one scalar entry inside it');
  return value(v ?? '');
}

function paramValue(rest: string[], scope: Scope, path: readonly string[]): Lookup {
  const [param, extra] = rest;
  const spec = param === undefined ? undefined : scope.specs.get(param);
  if (!spec || extra !== undefined) return problem('RUNBOOK_UNKNOWN_PARAM', `{{ ${dotted(path)} }} uses a param the runbook does not declare`, `declare it under "params:"${suggest(param ?? '', [...scope.specs.keys()])}`);
  if (spec.type === 'secret') return { kind: 'ref', ref: `params.${spec.name}`, secret: true };
  const v = Object.hasOwn(scope.params, spec.name) ? scope.params[spec.name] : undefined;
  return value(v === undefined ? '' : v);
}

function stepRef(rest: string[], scope: Scope, path: readonly string[]): Lookup {
  const [id, field, extra] = rest;
  if (id === undefined || field !== 'stdout' || extra !== undefined) return unknown(dotted(path), 'steps.<id>.stdout');
  const capture = scope.captures.get(id);
  if (capture?.skipped) return problem('RUNBOOK_CAPTURE_SKIPPED', `{{ ${dotted(path)} }} is used, but step "${id}" is skipped by its "when"`, `give this step the same "when" as "${id}", or make "${id}" run`);
  if (capture && capture.nodes !== 1) return problem('RUNBOOK_CAPTURE_MULTI_NODE', `step "${id}" captures on ${capture.nodes} nodes, so {{ ${dotted(path)} }} is ambiguous`, `add "one: true" to the targets of "${id}"`);
  if (capture) return { kind: 'ref', ref: `steps.${id}.stdout`, secret: capture.secret };
  const step = scope.steps.get(id);
  if (!step) return problem('RUNBOOK_UNKNOWN_STEP', `{{ ${dotted(path)} }} refers to step "${id}", which does not exist`, `use the id of an earlier capture step${suggest(id, [...scope.steps.keys()])}`);
  if (step.action.kind !== 'capture') return problem('RUNBOOK_NOT_A_CAPTURE', `step "${id}" is a ${step.action.kind} step: only capture steps keep stdout`, `make "${id}" a capture step, or capture the value in a new step`);
  return problem('RUNBOOK_CAPTURE_NOT_YET', `{{ ${dotted(path)} }} is used before step "${id}" has captured it`, `move this step after "${id}" (a capture is available only to later steps, and not when "${id}" is skipped)`);
}

function dotted(path: readonly string[]): string {
  return path.join('.');
}

function unknown(name: string, known: string): Lookup {
  return problem('RUNBOOK_UNKNOWN_VARIABLE', `unknown variable {{ ${name} }}`, `known here: ${known}`);
}

function suggest(word: string, candidates: string[]): string {
  const guess = closest(word, candidates);
  return guess ? ` (did you mean "${guess}"?)` : '';
}

/** TLS flags pre-quoted word by word: inserted as several shell words. */
export function quotedWords(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
