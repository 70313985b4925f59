// buildPlan: runbook + inventory + params → the ordered, fully rendered Plan. Pure: no I/O, no
// clock, no network. `planRunbook` collects every problem (validation uses it); `buildPlan`
// throws them as one InputError.
import { InputError, type Problem } from '../errors/index.js';
import { etcdMembers, renderEndpoints, renderInitialCluster, tlsFlagWords } from '../etcd/initial-cluster.js';
import type { Inventory, Plan, PlanPhase, Runbook, SourcePos, Step } from '../model/index.js';
import { hashPlan } from './hash.js';
import { resolveParams } from './params.js';
import { quotedWords, type CaptureInfo, type Scope } from './scope.js';
import { planStep } from './step.js';

/** Positions a problem inside a step (`path` relative to the step; `needle` = the `{{ … }}`). */
export type StepLocator = (step: Step, path: (string | number)[], needle?: string) => SourcePos | undefined;

export interface PlanOptions {
  /** Raw `--param name=value` values. */
  params?: Record<string, string>;
  locate?: StepLocator;
  /** Position of a param declaration, for param problems. */
  paramPos?: (name: string) => SourcePos | undefined;
}

export interface PlanResult {
  plan: Plan;
  problems: Problem[];
}

export function planRunbook(runbook: Runbook, inventory: Inventory, opts: PlanOptions = {}): PlanResult {
  const problems: Problem[] = [];
  const params = resolveParams(runbook.params, opts.params ?? {}, opts.paramPos);
  problems.push(...params.problems);
  const members = etcdMembers(inventory);
  const captures = new Map<string, CaptureInfo>();
  const scope: Scope = {
    inventory,
    params: params.values,
    specs: new Map(runbook.params.map((p) => [p.name, p])),
    steps: new Map(runbook.phases.flatMap((ph) => ph.steps.map((s) => [s.id, s] as const))),
    captures,
    cluster: { initialCluster: renderInitialCluster(members), endpoints: renderEndpoints(members), tlsFlags: quotedWords(tlsFlagWords(inventory.etcd.tls)) },
  };
  const locate = opts.locate ?? ((step: Step) => step.pos);
  // A capture is available to the steps after its group: a step running together with the
  // capturing step (withPrevious) gets RUNBOOK_CAPTURE_NOT_YET, as a step before it would.
  let pending: [string, CaptureInfo][] = [];
  const publish = (): void => {
    for (const [id, c] of pending) captures.set(id, c);
    pending = [];
  };
  const phases: PlanPhase[] = runbook.phases.map((phase) => {
    const steps = phase.steps.map((step) => {
      if (step.withPrevious !== true) publish();
      const out = planStep(step, phase.name, scope, locate);
      problems.push(...out.problems);
      if (step.action.kind === 'capture') pending.push([step.id, { secret: step.action.secret, nodes: out.selected, skipped: out.step.skipped }]);
      return out.step;
    });
    publish();
    return { name: phase.name, steps };
  });
  const plan: Plan = {
    version: 1,
    runbook: { name: runbook.name, source: runbook.source, hash: runbook.hash },
    inventory: { cluster: inventory.cluster.name, source: inventory.source, hash: inventory.hash },
    params: params.values,
    secretParams: runbook.params.filter((p) => p.type === 'secret').map((p) => p.name),
    nodes: inventory.nodes.map((n) => ({ name: n.name, address: n.address, port: n.ssh.port, user: n.ssh.user, roles: [...n.roles] })),
    phases,
    hash: '',
  };
  plan.hash = hashPlan(plan);
  return { plan, problems: dedupe(problems) };
}

/** The plan, or an InputError with every problem; warnings alone do not stop planning. */
export function buildPlan(runbook: Runbook, inventory: Inventory, opts: PlanOptions = {}): Plan {
  const { plan, problems } = planRunbook(runbook, inventory, opts);
  if (problems.some((p) => p.severity === 'error')) throw new InputError(problems, `cannot plan ${runbook.name} on ${inventory.cluster.name}`);
  return plan;
}

/** One template on 1,000 nodes gives one problem that counts the other nodes, not 1,000. */
function dedupe(problems: Problem[]): Problem[] {
  const first = new Map<string, { problem: Problem; more: number }>();
  for (const p of problems) {
    const key = `${p.code}|${p.pos ? `${p.pos.file}:${p.pos.line}:${p.pos.col}` : p.message}`;
    const seen = first.get(key);
    if (!seen) first.set(key, { problem: p, more: 0 });
    else if (seen.problem.message !== p.message) seen.more += 1;
  }
  return [...first.values()].map(({ problem, more }) => (more === 0 ? problem : { ...problem, message: `${problem.message} (and ${more} more node(s))` }));
}
