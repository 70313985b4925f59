// The human form of a plan, for an operator at 3 a.m.: numbered phases and steps, every node's
// exact command, undo and check, the gates that stop for approval, and the hash to compare.
// Secrets and run-time values show as <secret:…> / {{ … }} (displayText).
import { LOCAL_NODE, type ActionUse, type Concurrency, type FailurePolicy, type Plan, type PlanStep, type PlannedAction, type RenderedManifestEdit } from '../model/index.js';
import { formatDuration } from '../schema/index.js';
import { describePrimitive } from './primitives-format.js';
import { displayText } from './text.js';

export function formatPlan(plan: Plan): string {
  const out: string[] = [];
  const tasks = plan.phases.reduce((n, ph) => n + ph.steps.reduce((m, s) => m + s.tasks.length, 0), 0);
  out.push(`PLAN ${plan.runbook.name} on cluster ${plan.inventory.cluster}: ${plan.phases.length} phases, ${tasks} tasks`);
  out.push(`  hash       ${plan.hash}`);
  out.push(`  runbook    ${plan.runbook.source} (sha256 ${plan.runbook.hash.slice(0, 12)})`);
  out.push(`  inventory  ${plan.inventory.source} (sha256 ${plan.inventory.hash.slice(0, 12)})`);
  const params = Object.entries(plan.params).map(([k, v]) => `${k}=${String(v)}`);
  out.push(`  params     ${params.join('  ') || '(none)'}`);
  if (plan.secretParams.length > 0) out.push(`  secrets    ${plan.secretParams.join(', ')} (read at run time, never shown)`);
  out.push(`  nodes      ${plan.nodes.map((n) => `${n.name}=${n.user}@${n.address}:${n.port}[${n.roles.join(',')}]`).join(' ')}`);
  if (plan.limit) out.push(`  limit      --limit ${plan.limit.spec}: tasks on ${plan.limit.nodes.join(', ') || '(the operator machine only)'} only; left out ${plan.limit.left.join(', ') || 'nothing'} (planned with every node)`);
  plan.phases.forEach((phase, pi) => {
    out.push('', `PHASE ${pi + 1}/${plan.phases.length}  ${phase.name}`);
    phase.steps.forEach((step, si) => out.push(...formatStep(step, `${pi + 1}.${si + 1}`)));
  });
  out.push('', `plan hash ${plan.hash}`);
  return `${out.join('\n')}\n`;
}

function formatStep(step: PlanStep, num: string): string[] {
  const out = [`  STEP ${num}  ${step.id}${step.name !== step.id ? ` — ${step.name}` : ''}`];
  if (step.skipped) return [...out, '      SKIPPED (when is false)'];
  const where = step.tasks.length === 1 && step.tasks[0]?.node === LOCAL_NODE ? 'operator machine' : `${step.tasks.length} node(s)`;
  out.push(`      on ${where}${where === 'operator machine' ? '' : ` · ${concurrency(step.concurrency)}`} · timeout ${formatDuration(step.timeoutMs)} · ${retry(step)} · ${step.readOnly ? 'read-only' : step.idempotent ? 'idempotent' : 'NOT idempotent'} · on failure ${failure(step.onFailure)}`);
  if (step.withPrevious) out.push('      runs together with the step before it (starts at once; the next step waits for both)');
  if (step.onlyIfChanged !== undefined) out.push(`      only if ${step.onlyIfChanged} changed something (skipped when every one of its tasks reported no change)`);
  if (step.uses !== undefined) out.push(`      uses ${formatUse(step.uses)}`);
  if (step.confirm !== undefined) out.push(`      ⏸ APPROVAL before start: ${step.confirm}`);
  if (step.raw) out.push(`      ! unquoted: ${step.raw.join(' ')}`);
  if (step.limitedOut) out.push(`      limited: left out ${step.limitedOut.join(', ')}`);
  for (const task of step.tasks) {
    out.push(...block(`    ${task.node.padEnd(10)} `, describeAction(task.action)));
    if (task.undo) out.push(...block(`      undo      `, describeAction(task.undo)));
    if (task.check && !step.readOnly) out.push(...block(`      check     `, describeAction(task.check)));
  }
  return out;
}

/** `restoreMember(snapshot=…, dataDir=…)`: the DR action as the runbook wrote it. */
export function formatUse(use: ActionUse): string {
  const args = Object.entries(use.args).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${use.action}(${args.join(', ')})`;
}

/** First line after `prefix`, the others indented under it. */
function block(prefix: string, text: string): string[] {
  const pad = ' '.repeat(prefix.length + 2);
  return text.split('\n').map((line, i) => (i === 0 ? `${prefix}${line}` : `${pad}${line}`));
}

export function describeAction(a: PlannedAction): string {
  const sudo = (s: boolean) => (s ? 'sudo ' : '');
  switch (a.kind) {
    case 'shell':
      return `${sudo(a.sudo)}$ ${displayText(a.script).trimEnd()}`;
    case 'upload':
      return `upload ${displayText(a.src)} → ${displayText(a.dest)}${a.mode ? ` mode ${a.mode}` : ''}${a.sha256 ? ` sha256 ${displayText(a.sha256)}` : ''}`;
    case 'download':
      return `download ${displayText(a.src)} → ${displayText(a.dest)}`;
    case 'manifest':
      return [`${sudo(a.sudo)}edit manifest ${displayText(a.file)} (original kept)`, ...a.edits.map(formatEdit)].join('\n');
    case 'wait':
      return `${sudo(a.sudo)}wait until $ ${displayText(a.command).trimEnd()}${a.match ? ` matches /${a.match}/` : ' succeeds'} (every ${formatDuration(a.intervalMs)}, up to ${formatDuration(a.timeoutMs)})`;
    case 'capture':
      return `${sudo(a.sudo)}capture${a.secret ? ' (secret)' : ''} $ ${displayText(a.command).trimEnd()}`;
    case 'local':
      return `local $ ${displayText(a.command).trimEnd()}`;
    case 'confirm':
      return `⏸ APPROVAL: ${displayText(a.message)}`;
    case 'placeManifest':
    case 'ensureFiles':
      return describePrimitive(a);
  }
}

function concurrency(c: Concurrency): string {
  if (c.mode === 'serial') return 'one node at a time';
  if (c.mode === 'batches') return `batches of ${c.size}`;
  return c.limit === undefined ? 'all nodes in parallel' : `parallel, at most ${c.limit}`;
}

function retry(step: PlanStep): string {
  return step.retry.attempts <= 1 ? 'no retry' : `${step.retry.attempts} attempts, ${formatDuration(step.retry.backoffMs)} apart`;
}

function failure(f: FailurePolicy): string {
  return f.mode === 'maxFailPercent' ? `continue up to ${f.percent}% failed nodes` : f.mode;
}

function formatEdit(e: RenderedManifestEdit): string {
  switch (e.op) {
    case 'setFlag': return `  set ${e.flag}=${displayText(e.value)}`;
    case 'removeFlag': return `  remove ${e.flag}`;
    case 'setHostPath': return `  hostPath ${e.volume} → ${displayText(e.path)}`;
    case 'relaxProbes': return `  etcd startup/liveness probes: allow the start a restored db of the size of ${displayText(e.dbFile)} needs`;
    case 'restoreProbes': return `  etcd startup/liveness probes: as in ${displayText(e.from)} (before the restore)`;
  }
}
