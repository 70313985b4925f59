// Every question put to the operator (a step's confirm, a confirm action, the rollback prompt)
// ends in an approval record: who (OS user, host), how (--yes, the answer typed at the prompt,
// or no terminal to ask on) and whether it was approved. "No terminal" is not "declined": the
// operator never saw the question, and the record and the error say how to approve it.
import type { RunContext } from './context.js';
import type { ApprovalAnswer, ApprovalRequest } from './types.js';

export interface Decision {
  approved: boolean;
  how: 'yes' | 'prompt' | 'no-terminal';
}

/** The error of a step or confirm action that was not approved. */
export function notApprovedError(d: Decision): string {
  return d.how === 'no-terminal'
    ? 'no terminal, not approved: read the question printed above, then resume with --yes (or from a terminal)'
    : 'declined by the operator';
}

/** Asks (unless --yes and not `forceAsk`), records the decision as an approval event, returns it. */
export async function decide(ctx: RunContext, req: ApprovalRequest, opts: { auto?: boolean } = {}): Promise<Decision> {
  const auto = opts.auto ?? ctx.opts.yes;
  const raw: boolean | ApprovalAnswer = auto ? true : await ctx.deps.approve(req);
  const answer: ApprovalAnswer = typeof raw === 'boolean' ? { approved: raw, how: 'prompt' } : raw;
  const how = auto ? 'yes' : answer.how;
  const who = ctx.opts.approver;
  ctx.emit({
    kind: 'approval',
    stepId: req.stepId,
    message: req.message,
    approvedBy: ctx.opts.operator,
    auto,
    at: ctx.iso(),
    approved: answer.approved,
    how,
    ...(!auto && answer.answer !== undefined ? { answer: answer.answer.slice(0, 40) } : {}),
    ...(who ? { user: who.user, host: who.host } : {}),
  });
  return { approved: answer.approved, how };
}
