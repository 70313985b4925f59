// `--limit NODE[,NODE…]|GROUP`, as ansible-playbook's: a filter on the FINISHED plan. Planning
// sees every node, so cluster facts (--initial-cluster, endpoints, survivors to rebuild a
// manifest from) stay whole; only the left-out nodes' tasks are dropped afterwards. Refused, with
// nothing run, where dropping tasks would make the run wrong rather than smaller:
//   - a step of a DR action whose correctness needs every member (LIMIT_NEEDS_EVERY_MEMBER);
//   - a `one: true` step whose chosen node is left out (LIMIT_EXCLUDES_ONE: the step would not
//     run at all, yet later steps count on it);
//   - a kept task that reads a capture only left-out nodes would take (LIMIT_DROPS_CAPTURE).
import { closest } from '../schema/index.js';
import type { Problem } from '../errors/index.js';
import { LOCAL_NODE, type Inventory, type Plan, type PlanStep, type Runbook } from '../model/index.js';
import { hashPlan } from './hash.js';

/**
 * DR actions that act on the cluster's membership as a whole: restoring members from one
 * snapshot, rewriting every member's --initial-cluster, forcing a new cluster, adding or removing
 * a member. Run on a subset they leave members that disagree on the cluster they belong to.
 */
export const NEEDS_EVERY_MEMBER: ReadonlySet<string> = new Set(['restoreMember', 'configureMember', 'configureEtcdService', 'forceNewCluster', 'memberAdd', 'memberRemove']);

const FLAG = '--limit';

/** The node names a `--limit` selects: node names, inventory groups or roles, comma- or colon-separated. */
export function resolveLimit(spec: string, inv: Inventory): { nodes: string[]; problems: Problem[] } {
  const words = spec.split(/[,:]/).map((w) => w.trim()).filter((w) => w !== '');
  const names = inv.nodes.map((n) => n.name);
  const groups = Object.keys(inv.groups);
  const roles = [...new Set(inv.nodes.flatMap((n) => n.roles))];
  const chosen = new Set<string>();
  const problems: Problem[] = [];
  for (const w of words) {
    const hits = w === 'all' ? names : names.includes(w) ? [w] : inv.nodes.filter((n) => n.groups.includes(w) || (n.roles as string[]).includes(w)).map((n) => n.name);
    if (hits.length === 0 && !groups.includes(w)) {
      const guess = closest(w, [...names, ...groups, ...roles]);
      problems.push(error('LIMIT_UNKNOWN', `${FLAG} ${spec}: "${w}" is neither a node, a group nor a role of the inventory`, guess ? `did you mean "${guess}"?` : `use node names (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''}), groups or roles`));
    }
    for (const h of hits) chosen.add(h);
  }
  if (words.length === 0) problems.push(error('LIMIT_EMPTY', `${FLAG} is empty`, 'name nodes or groups, e.g. --limit cp1,cp2 or --limit worker'));
  else if (chosen.size === 0 && problems.length === 0) problems.push(error('LIMIT_EMPTY', `${FLAG} ${spec} selects no node`, 'the groups named have no nodes: name nodes instead'));
  return { nodes: names.filter((n) => chosen.has(n)), problems };
}

/** The plan with only the kept nodes' tasks (tasks on the operator machine always kept), or why not. */
export function limitPlan(plan: Plan, rb: Runbook, spec: string, keep: readonly string[]): { plan: Plan; problems: Problem[] } {
  const kept = new Set<string>([...keep, LOCAL_NODE]);
  const steps = new Map(rb.phases.flatMap((p) => p.steps).map((s) => [s.id, s]));
  const problems: Problem[] = [];
  const emptied = new Set<string>();
  const phases = plan.phases.map((phase) => ({
    ...phase,
    steps: phase.steps.map((step): PlanStep => {
      const out = step.tasks.filter((t) => !kept.has(t.node)).map((t) => t.node);
      if (out.length === 0) return step;
      const src = steps.get(step.id);
      const action = step.uses?.action;
      if (action !== undefined && NEEDS_EVERY_MEMBER.has(action)) {
        problems.push(error('LIMIT_NEEDS_EVERY_MEMBER', `${FLAG} ${spec} leaves out ${out.join(', ')} from step "${step.id}" (${action}), which must run on every node it targets: its members would disagree on the cluster`, `drop ${FLAG}, or include ${out.join(', ')}`, src?.pos));
      } else if (src?.targets?.one === true) {
        problems.push(error('LIMIT_EXCLUDES_ONE', `${FLAG} ${spec} leaves out ${out.join(', ')}, the one node step "${step.id}" runs on (targets one: true): the step would not run at all`, `include ${out.join(', ')} in ${FLAG}`, src.pos));
      }
      const tasks = step.tasks.filter((t) => kept.has(t.node));
      if (tasks.length === 0) emptied.add(step.id);
      return { ...step, tasks, limitedOut: out };
    }),
  }));
  // A kept task must not read a capture no kept node takes.
  for (const step of phases.flatMap((p) => p.steps)) {
    const read = new Set(step.tasks.flatMap(capturesRead));
    for (const id of [...read].filter((x) => emptied.has(x))) {
      problems.push(error('LIMIT_DROPS_CAPTURE', `${FLAG} ${spec}: step "${step.id}" reads {{ steps.${id}.stdout }}, which only left-out nodes capture`, `include the nodes of step "${id}" in ${FLAG}`, steps.get(step.id)?.pos));
    }
  }
  const left = plan.nodes.map((n) => n.name).filter((n) => !kept.has(n));
  const limited: Plan = { ...plan, phases, limit: { spec, nodes: [...keep], left }, hash: '' };
  limited.hash = hashPlan(limited);
  return { plan: limited, problems };
}

function capturesRead(t: PlanStep['tasks'][number]): string[] {
  const ids = new Set<string>();
  for (const m of JSON.stringify([t.action, t.check ?? null, t.undo ?? null]).matchAll(/"ref":"steps\.([^."]+)\.stdout"/g)) if (m[1] !== undefined) ids.add(m[1]);
  return [...ids];
}

function error(code: string, message: string, hint: string, pos?: Problem['pos']): Problem {
  return { code, message, hint, severity: 'error', ...(pos ? { pos } : {}) };
}
