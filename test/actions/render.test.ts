// The rendering of each DR action per node, as `kubedr plan` shows it. The fixture inventory's
// cp3 has the etcd member name etcd-three: member identity must come from node.etcd.name.
import { describe, expect, it } from 'vitest';
import { expandDrAction } from '../../src/actions/index.js';
import type { PlannedAction, PlanStep } from '../../src/model/index.js';
import { buildPlan } from '../../src/plan/index.js';
import { describeAction } from '../../src/plan/format.js';
import { fixtureInventory, runbookWith } from '../helpers/build.js';

/** Plans one step calling `action` and returns the rendered step. */
function planned(action: string, args: string, targets = '{ nodes: [cp3] }', extra = ''): PlanStep {
  const rb = runbookWith(`${extra}      - id: s\n        targets: ${targets}\n        ${action}: ${args}\n`);
  const plan = buildPlan(rb, fixtureInventory(), { params: {} });
  const step = plan.phases[0]?.steps.at(-1);
  if (!step) throw new Error('no step');
  return step;
}
const show = (a: PlannedAction | undefined): string => (a ? describeAction(a) : '(none)');

describe('DR action rendering', () => {
  it('restoreMember: the member name, its peer URL, the shared cluster, a fresh token; old dir kept', () => {
    const step = planned('restoreMember', '{ sha256: abc }');
    const task = step.tasks[0];
    expect(step).toMatchObject({ idempotent: true, timeoutMs: 1_800_000 });
    expect(show(task?.action)).toMatch(/--name etcd-three --initial-cluster \S+/);
    expect(show(task?.action)).not.toMatch(/--name cp3\b/);
    expect(show(task?.action)).toContain('--initial-cluster-token kubedr-{{ run.id }}');
    expect(show(task?.action)).toContain('old="$data.kubedr-before-"{{ run.id }}');
    expect(show(task?.undo)).not.toMatch(/\brm\b/);
    expect(show(task?.action)).toMatchInlineSnapshot(`
      "$ set -e
      stage=/var/lib/kubedr/runs/{{ run.id }}; data=/var/lib/etcd; old="$data.kubedr-before-"{{ run.id }}
      out="$stage/restored"
      if [ -e "$stage/swapped" ]; then echo "already restored and in place: $data"; exit 0; fi
      # Killed between the swap and its marker: the restored dir is in place already.
      if [ -e "$stage/swapping" ] && [ ! -e "$out" ] && [ -d "$data/member" ]; then : > "$stage/swapped"; chmod 700 "$data"; echo "already restored and in place (the swap had finished): $data"; exit 0; fi
      if [ ! -d "$out/member" ]; then
        f="$stage/snapshot.db"; want=abc
        s=$(openssl dgst -sha256 -r < "$f" 2>/dev/null) || s=""; s=\${s%% *}; [ \${#s} -eq 64 ] || { s=$(sha256sum < "$f"); s=\${s%% *}; }
        [ "$s" = "$want" ] || { echo "the staged snapshot changed: sha256 $s, expected $want" >&2; exit 1; }
        # A crash mid-restore leaves a partial dir: keep it aside, restore again.
        if [ -e "$out.partial" ]; then mv -- "$out.partial" "$out.partial.$(date +%s)"; fi
        tool=auto
        if [ "$tool" = auto ]; then if command -v etcdutl >/dev/null 2>&1; then tool=etcdutl; else tool=etcdctl; fi; fi
        command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed on $(uname -n)" >&2; exit 1; }
        snap_tool() { if [ "$tool" = etcdutl ]; then etcdutl "$@"; else ETCDCTL_API=3 etcdctl "$@"; fi; }
        set -- snapshot restore "$stage/snapshot.db" --name etcd-three --initial-cluster cp1=https://127.0.0.11:2380,cp2=https://127.0.0.12:2380,etcd-three=https://127.0.0.13:2380 \\
          --initial-advertise-peer-urls https://127.0.0.13:2380 --initial-cluster-token kubedr-{{ run.id }} --data-dir "$out.partial"
        if [ "$tool" = etcdutl ] && etcdutl snapshot restore --help 2>&1 | grep -q -- --bump-revision; then set -- "$@" --bump-revision 1000000000 --mark-compacted; fi
        snap_tool "$@"
        mv -- "$out.partial" "$out"
        echo "restored with $tool into $out"
      fi
      if [ -e "$data" ]; then
        [ ! -e "$old" ] || { echo "both $data and $old exist: resolve by hand" >&2; exit 1; }
        mv -- "$data" "$old"; echo "old data dir kept at $old"
      fi
      : > "$stage/swapping"
      mv -- "$out" "$data"; : > "$stage/swapped"; chmod 700 "$data"
      echo "$data is the restored member""
    `);
  });

  it('stopStaticPods: manifests to the per-run stash (origin recorded), wait until crictl shows none', () => {
    const task = planned('stopStaticPods', '{ searchPath: "/root/moved aside" }').tasks[0];
    expect(show(task?.action)).toMatchInlineSnapshot(`
      "$ set -e
      m=/etc/kubernetes/manifests; stash=/etc/kubernetes/kubedr-stash/{{ run.id }}; search='/root/moved aside'
      mkdir -p -- "$stash"
      for p in kube-apiserver etcd; do
        if [ -e "$stash/$p.yaml" ]; then echo "$p: already stashed"; continue; fi
        found=""; dirs=$m:$search; old_ifs=$IFS; IFS=:
        for d in $dirs; do if [ -z "$found" ] && [ -n "$d" ] && [ -e "$d/$p.yaml" ]; then found=$d; fi; done
        IFS=$old_ifs
        if [ -z "$found" ]; then echo "$p: no manifest here (already stopped)"; continue; fi
        printf '%s\\n' "$found" > "$stash/$p.yaml.from"
        mv -- "$found/$p.yaml" "$stash/$p.yaml"
        echo "$p: manifest moved from $found to $stash"
      done
      i=0; while [ -n "$(crictl ps --name '^(kube-apiserver|etcd)$' -q)" ]; do
        i=$((i+1)); [ "$i" -le 900 ] || { echo "still running after 180s: $(crictl ps --name '^(kube-apiserver|etcd)$' | tail -n +2)" >&2; exit 1; }; sleep 0.2
      done
      echo "stopped: kube-apiserver etcd""
    `);
    expect(show(task?.undo)).toMatchInlineSnapshot(`
      "$ set -e
      m=/etc/kubernetes/manifests; stash=/etc/kubernetes/kubedr-stash/{{ run.id }}
      for p in kube-apiserver etcd; do
        if [ -e "$stash/$p.yaml" ] && [ ! -e "$stash/$p.yaml.created" ]; then d=$m; if [ -e "$stash/$p.yaml.from" ]; then d=$(cat "$stash/$p.yaml.from"); fi; mv -- "$stash/$p.yaml" "$d/$p.yaml"; echo "$p: manifest back in $d"; fi
        rm -f -- "$stash/$p.yaml.from"
      done
      rmdir -- "$stash" "$(dirname "$stash")" 2>/dev/null || true"
    `);
  });

  it('startStaticPods and restartStaticPods', () => {
    expect(show(planned('startStaticPods', '{ pods: [kube-apiserver] }').tasks[0]?.action)).toMatchInlineSnapshot(`
      "$ set -e
      m=/etc/kubernetes/manifests; stash=/etc/kubernetes/kubedr-stash/{{ run.id }}
      for p in kube-apiserver; do
        if [ -e "$stash/$p.yaml" ] && [ ! -e "$m/$p.yaml" ]; then mv -- "$stash/$p.yaml" "$m/$p.yaml"; echo "$p: manifest back in $m"; fi
        test -e "$m/$p.yaml" || { echo "$p: no manifest in $m nor in the stash $stash" >&2; exit 1; }
      done
      for c in kube-apiserver; do
        i=0; while [ -z "$(crictl ps --name "^$c\\$" -q)" ]; do i=$((i+1)); [ "$i" -le 900 ] || { echo "$c is not running after 180s" >&2; exit 1; }; sleep 0.2; done
        echo "$c running"
      done"
    `);
    expect(show(planned('restartStaticPods', '{}').tasks[0]?.action)).toMatchInlineSnapshot(`
      "$ set -e
      m=/etc/kubernetes/manifests; stash=/etc/kubernetes/kubedr-stash/{{ run.id }}
      mkdir -p -- "$stash"
      restart=""
      for p in kube-controller-manager kube-scheduler; do
        if [ -e "$m/$p.yaml" ] && [ ! -e "$stash/$p.yaml" ]; then mv -- "$m/$p.yaml" "$stash/$p.yaml"; fi
        if [ -e "$stash/$p.yaml" ]; then restart="$restart $p"; else echo "$p: no manifest in $m: not restarted"; fi
      done
      for p in $restart; do
        i=0; while [ -n "$(crictl ps --name "^$p\\$" -q)" ]; do
          i=$((i+1)); [ "$i" -le 600 ] || { echo "still running after 120s: $(crictl ps --name "^$p\\$" | tail -n +2)" >&2; exit 1; }; sleep 0.2
        done
      done
      for p in $restart; do mv -- "$stash/$p.yaml" "$m/$p.yaml"; done
      for p in $restart; do
        for c in $p; do
          i=0; while [ -z "$(crictl ps --name "^$c\\$" -q)" ]; do i=$((i+1)); [ "$i" -le 600 ] || { echo "$c is not running after 120s" >&2; exit 1; }; sleep 0.2; done
          echo "$c running"
        done
        echo "$p restarted"
      done"
    `);
  });

  it('configureMember: a YAML-aware edit of the stashed etcd.yaml', () => {
    expect(show(planned('configureMember', '{ state: new, initialCluster: "{{ node.etcd.name }}={{ node.etcd.peerURL }}" }').tasks[0]?.action)).toMatchInlineSnapshot(`
      "edit manifest /etc/kubernetes/kubedr-stash/{{ run.id }}/etcd.yaml (original kept)
        set --initial-cluster=etcd-three=https://127.0.0.13:2380
        set --initial-cluster-state=new"
    `);
  });

  it('waitEtcdQuorum: etcdctl with the inventory TLS, exact member list', () => {
    const step = planned('waitEtcdQuorum', '{ timeout: 2m }');
    expect(step).toMatchObject({ idempotent: true });
    expect(show(step.tasks[0]?.action)).toMatchInlineSnapshot(`
      "wait until $ ectl() { ETCDCTL_API=3 etcdctl --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key --endpoints=https://127.0.0.11:2379,https://127.0.0.12:2379,https://127.0.0.13:2379 "$@"; }
      members=cp1=https://127.0.0.11:2380,cp2=https://127.0.0.12:2380,etcd-three=https://127.0.0.13:2380
      ectl endpoint health >/dev/null 2>&1 || exit 1
      got=$(ectl member list | awk -F', ' '$2 == "started" && $6 == "false" {print $3 "=" $4}' | sort | paste -sd, -)
      want=$(printf '%s\\n' "$members" | tr , '\\n' | sort | paste -sd, -)
      [ "$got" = "$want" ] || { echo "members: $got"; exit 1; }
      echo "quorum: $got" matches /^quorum: / (every 250ms, up to 2m)"
    `);
  });

  it('stageSnapshot and checkSnapshot honour etcd.tool', () => {
    expect(show(planned('stageSnapshot', '{ snapshot: /b/snapshot.db, sha256: abc }').tasks[0]?.action)).toMatchInlineSnapshot(`"upload /b/snapshot.db → /var/lib/kubedr/runs/{{ run.id }}/snapshot.db mode 0600 sha256 abc"`);
    expect(show(planned('checkSnapshot', '{ sha256: abc, tool: etcdctl }').tasks[0]?.action)).toContain('tool=etcdctl');
  });

  it('the join command is a secret capture; rejoinWorker runs it unquoted after saving the configs', () => {
    const rejoin = planned('rejoinWorker', '{ joinFrom: join, ignorePreflightErrors: all }', '{ nodes: [w1] }', '      - id: join\n        targets: { nodes: [cp1] }\n        createJoinToken: {}\n');
    expect(show(rejoin.tasks[0]?.action)).toContain('<secret:steps.join.stdout> --ignore-preflight-errors=all');
    expect(rejoin.raw).toEqual(['{{ steps.join.stdout | raw }}']);
  });

  it('configureEtcdService edits the env file from the kept original', () => {
    expect(show(planned('configureEtcdService', '{ envFile: /etc/etcd.env }').tasks[0]?.action)).toMatchInlineSnapshot(`
      "$ set -e
      unit=etcd; stage=/var/lib/kubedr/runs/{{ run.id }}; env=/etc/etcd.env; ic=cp1=https://127.0.0.11:2380,cp2=https://127.0.0.12:2380,etcd-three=https://127.0.0.13:2380; st=existing
      mkdir -p -m 0700 "$stage"
      if [ -e "$env" ]; then f=$env; else f=$(systemctl show -p FragmentPath --value "$unit"); fi
      [ -n "$f" ] && [ -e "$f" ] || { echo "cannot find the etcd config (env file or unit)" >&2; exit 1; }
      printf '%s\\n' "$f" > "$stage/etcd-config.path"
      [ -e "$stage/etcd-config.orig" ] || cp -p -- "$f" "$stage/etcd-config.orig"
      cp -p -- "$stage/etcd-config.orig" "$f.kubedr-tmp"
      if [ "$f" = "$env" ]; then
        grep -q '^ETCD_INITIAL_CLUSTER=' "$f.kubedr-tmp" || echo "ETCD_INITIAL_CLUSTER=" >> "$f.kubedr-tmp"
        grep -q '^ETCD_INITIAL_CLUSTER_STATE=' "$f.kubedr-tmp" || echo "ETCD_INITIAL_CLUSTER_STATE=" >> "$f.kubedr-tmp"
        sed -i -e "s#^ETCD_INITIAL_CLUSTER=.*#ETCD_INITIAL_CLUSTER=$ic#" -e "s#^ETCD_INITIAL_CLUSTER_STATE=.*#ETCD_INITIAL_CLUSTER_STATE=$st#" "$f.kubedr-tmp"
      else
        sed -i -e "s#--initial-cluster[= ][^ \\\\]*#--initial-cluster=$ic#" -e "s#--initial-cluster-state[= ][^ \\\\]*#--initial-cluster-state=$st#" "$f.kubedr-tmp"
      fi
      mv -f -- "$f.kubedr-tmp" "$f"
      systemctl daemon-reload
      diff "$stage/etcd-config.orig" "$f" || true"
    `);
  });

  it('a literal argument with spaces stays one quoted word around its template', () => {
    const x = expandDrAction('checkSnapshotFile', { snapshot: '/srv/my backups/{{ run.id }}/s.db', sha256: 'x' });
    expect(x.action.kind === 'local' && x.action.command.split('\n')[0]).toBe("f='/srv/my backups/'{{ run.id }}/s.db; want=x");
  });
});
