import { describe, expect, it } from 'vitest';
import { buildPlan, formatPlan } from '../../src/plan/index.js';
import { fixtureInventory, fixtureRunbook } from '../helpers/build.js';

describe('formatPlan', () => {
  const plan = buildPlan(fixtureRunbook(), fixtureInventory(), { params: { snapshot: '/backups/etcd.db', snapshotSha256: 'abc' } });
  const text = formatPlan(plan);

  it('numbers phases and steps and prints the hash at both ends', () => {
    expect(text.split('\n')[0]).toBe('PLAN ha-restore on cluster lab: 4 phases, 26 tasks');
    expect(text).toContain('PHASE 2/4  restore');
    expect(text).toContain("STEP 2.2  restore-member — Restore this member's data dir");
    expect(text.trimEnd().endsWith(`plan hash ${plan.hash}`)).toBe(true);
  });

  it('shows per step how it runs, and every gate', () => {
    expect(text).toContain('on 3 node(s) · one node at a time · timeout 10m · 2 attempts, 10s apart · NOT idempotent · on failure stop');
    expect(text).toContain('⏸ APPROVAL before start: All members restored; start etcd?');
    expect(text).toContain('@local     ⏸ APPROVAL: Restore lab from /backups/etcd.db? The API will be down.');
    expect(text).toContain('! unquoted: {{ steps.join-command.stdout | raw }}');
  });

  it('shows undo and check under each task, secrets and run-time values as placeholders', () => {
    expect(text).toContain('      undo      $ mv /var/lib/etcd-restored /var/lib/etcd-restored.failed-{{ run.id }}');
    expect(text).toContain('      check     $ test -f /etc/kubernetes/manifests/etcd.yaml');
    expect(text).toContain('<secret:steps.join-command.stdout> --ignore-preflight-errors=all');
    expect(text).toContain('secrets    sudoPassword (read at run time, never shown)');
  });
});
