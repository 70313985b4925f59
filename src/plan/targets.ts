// Which nodes a step runs on. Every given criterion must hold (roles, groups and nodes match any
// of their entries; all labels must match); then `order` sorts and `one` keeps the first.
import type { Inventory, InventoryNode, TargetSpec } from '../model/index.js';
import { closest } from '../schema/index.js';

export interface TargetIssue {
  code: string;
  message: string;
  hint: string;
  /** Path inside `targets:` that causes it (e.g. ['nodes', 1]). */
  at: (string | number)[];
}

export function selectNodes(spec: TargetSpec, inv: Inventory): { nodes: InventoryNode[]; issues: TargetIssue[] } {
  const issues = unknownNames(spec, inv);
  let nodes = inv.nodes.filter((n) => matches(spec, n));
  if (spec.order === 'name') nodes = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (spec.order === 'reverse') nodes = [...nodes].reverse();
  if (spec.one) nodes = nodes.slice(0, 1);
  if (nodes.length === 0 && issues.length === 0) {
    issues.push({ code: 'RUNBOOK_EMPTY_TARGET', message: `targets ${describeTargets(spec)} select no node of the inventory`, hint: 'check the roles, groups and labels of the inventory nodes, or fix the selector', at: [] });
  }
  return { nodes, issues };
}

function matches(spec: TargetSpec, n: InventoryNode): boolean {
  if (spec.roles && !spec.roles.some((r) => n.roles.includes(r))) return false;
  if (spec.groups && !spec.groups.some((g) => n.groups.includes(g))) return false;
  if (spec.nodes && !spec.nodes.includes(n.name)) return false;
  if (spec.labels && !Object.entries(spec.labels).every(([k, v]) => n.labels[k] === v)) return false;
  return true;
}

function unknownNames(spec: TargetSpec, inv: Inventory): TargetIssue[] {
  const issues: TargetIssue[] = [];
  const nodeNames = inv.nodes.map((n) => n.name);
  const groupNames = Object.keys(inv.groups);
  spec.nodes?.forEach((name, i) => {
    if (!nodeNames.includes(name)) issues.push({ code: 'RUNBOOK_UNKNOWN_TARGET', message: `target node "${name}" is not in the inventory`, hint: hintFor(name, nodeNames, 'node'), at: ['nodes', i] });
  });
  spec.groups?.forEach((name, i) => {
    if (!groupNames.includes(name)) issues.push({ code: 'RUNBOOK_UNKNOWN_TARGET', message: `target group "${name}" is not defined in the inventory`, hint: hintFor(name, groupNames, 'group'), at: ['groups', i] });
  });
  return issues;
}

function hintFor(name: string, known: string[], what: string): string {
  const guess = closest(name, known);
  return guess ? `did you mean "${guess}"?` : `use one of the inventory's ${what}s: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}`;
}

export function describeTargets(spec: TargetSpec): string {
  const parts: string[] = [];
  if (spec.roles) parts.push(`roles=${spec.roles.join('|')}`);
  if (spec.groups) parts.push(`groups=${spec.groups.join('|')}`);
  if (spec.nodes) parts.push(`nodes=${spec.nodes.join('|')}`);
  if (spec.labels) parts.push(...Object.entries(spec.labels).map(([k, v]) => `${k}=${v}`));
  if (spec.one) parts.push('one');
  if (spec.order && spec.order !== 'inventory') parts.push(`order=${spec.order}`);
  return `{ ${parts.join(', ')} }`;
}
