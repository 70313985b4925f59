// A plain-text view of a listr2 task tree (titles, states, messages) for tests and debugging.

export interface DumpTask {
  title?: string;
  state: string;
  subtasks?: DumpTask[];
  isEnabled(): boolean;
  message: { skip?: string; error?: string };
  output?: string;
  isPending(): boolean;
}

/** One line per enabled task: `STATE title — skip or error message`, children indented. */
export function dumpTask(t: DumpTask, depth: number): string {
  // listr2 draws nothing for an untitled task (the reporter's step-end waiters).
  if (!t.isEnabled() || t.title === undefined) return '';
  const note = t.message.skip ?? t.message.error;
  const output = t.isPending() && t.output ? ` > ${t.output}` : '';
  const line = `${'  '.repeat(depth)}${t.state} ${t.title ?? ''}${note && note !== t.title ? ` — ${note}` : ''}${output}\n`;
  return line + (t.subtasks ?? []).map((s) => dumpTask(s, depth + 1)).join('');
}
