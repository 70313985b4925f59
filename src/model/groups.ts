/**
 * Consecutive steps of a phase, grouped: a step marked `withPrevious` joins the group of the
 * step before it (the planner refuses it on a phase's first step and next to an approval). The
 * engine starts a group's steps together; the runbook rules use the same grouping to refuse an
 * `onlyIfChanged` that names a step of its own group. Works on runbook and plan steps alike.
 */
export function stepGroups<S extends { withPrevious?: boolean | undefined }>(steps: readonly S[]): S[][] {
  const groups: S[][] = [];
  for (const step of steps) {
    const last = groups.at(-1);
    if (step.withPrevious === true && last) last.push(step);
    else groups.push([step]);
  }
  return groups;
}
