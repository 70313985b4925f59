// Counts for a step drawn as one line instead of one line per node (a fan-out over dozens of
// hosts): a 50-line subtree per step buries the steps the operator follows and makes every
// repaint of the terminal cost 50 times more. The failed nodes stay named.

export type TallyEnd = 'done' | 'failed' | 'skipped' | 'not-run';

/** How many failed nodes a title names before it says "…". */
const NAMED_FAILURES = 3;

export class NodeTally {
  private readonly running = new Set<string>();
  private readonly ended = new Map<string, TallyEnd>();
  private readonly counts: Record<TallyEnd, number> = { done: 0, failed: 0, skipped: 0, 'not-run': 0 };
  private readonly failedNodes: string[] = [];
  private retried = 0;

  constructor(
    readonly nodes: readonly string[],
    /** What finished nodes are called: "done" forward, "undone" in the rollback. */
    private readonly doneWord = 'done',
  ) {}

  start(node: string): void {
    if (!this.ended.has(node)) this.running.add(node);
  }

  retry(): void {
    this.retried++;
  }

  /** First end wins, as in the tree: a late duplicate cannot change the counts. */
  end(node: string, how: TallyEnd): void {
    if (this.ended.has(node)) return;
    this.running.delete(node);
    this.ended.set(node, how);
    this.counts[how]++;
    if (how === 'failed') this.failedNodes.push(node);
  }

  get failed(): readonly string[] {
    return this.failedNodes;
  }

  /** e.g. `50 nodes: 31 done, 18 running, 1 failed (w17), 2 retried`. */
  summary(): string {
    const count = (how: TallyEnd): number => this.counts[how];
    const parts = [`${count('done')} ${this.doneWord}`];
    if (this.running.size > 0) parts.push(`${this.running.size} running`);
    const waiting = this.nodes.length - this.running.size - this.ended.size;
    if (waiting > 0 && this.ended.size + this.running.size > 0) parts.push(`${waiting} waiting`);
    if (this.failedNodes.length > 0) {
      const named = this.failedNodes.slice(0, NAMED_FAILURES).join(', ');
      parts.push(`${this.failedNodes.length} failed (${named}${this.failedNodes.length > NAMED_FAILURES ? ', …' : ''})`);
    }
    if (count('skipped') > 0) parts.push(`${count('skipped')} skipped`);
    if (count('not-run') > 0) parts.push(`${count('not-run')} not run`);
    if (this.retried > 0) parts.push(`${this.retried} ${this.retried === 1 ? 'retry' : 'retries'}`);
    return `${this.nodes.length} nodes: ${parts.join(', ')}`;
  }
}
