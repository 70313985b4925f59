// The by-hand HA restore as a plain bash script: the commands of dr-procedures.md as
// test/lab/restore.lab.test.ts types them (ssh + scp + etcdctl, one new ssh per command, nodes in
// parallel where an operator would open one terminal per node). The restore bench times it.
import { writeFileSync } from 'node:fs';
import type { Lab, LabNode } from '../../test/lab/index.js';
import { shellQuote as q } from '../../src/plan/quote.js';

const STASH = '/etc/kubernetes/restore-stash';
const STAGE = '/var/lib/kubedr-restore';
const ETCDCTL = 'ETCDCTL_API=3 etcdctl --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key';

/** Prefix of the phase lines the script writes to stderr (see scriptPhases). */
export const PHASE_MARK = 'kubedr-bench-phase';

/** ms per phase (stop, copyCheck, restore, start, workers) from the script's stderr. */
export function scriptPhases(stderr: string): Record<string, number> {
  const marks = stderr.split('\n').filter((l) => l.startsWith(`${PHASE_MARK} `)).map((l) => l.split(' '));
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < marks.length; i++) out[`${marks[i]?.[1] ?? '?'}Ms`] = Math.round((Number(marks[i + 1]?.[2]) - Number(marks[i]?.[2])) * 1000);
  return out;
}

/** Where the script leaves things on each node (the bench removes them between runs). */
export const SCRIPT_LEFTOVERS = { stash: STASH, stage: STAGE, oldDataPrefix: '/var/lib/etcd.before-restore-' };

export interface RestoreScriptInput {
  lab: Lab;
  snapshot: string;
  sha256: string;
  /** Where breakQuorum left the stopped members' etcd.yaml. */
  damagedDir: string;
  /**
   * Files lost too: a member whose etcd.yaml is gone gets this survivor's, its name and addresses
   * substituted with sed, as an operator rebuilds it by hand.
   */
  rebuildFrom?: string;
}

export function writeRestoreScript(i: RestoreScriptInput, path: string): string {
  const { lab } = i;
  const cps = lab.nodes.filter((n) => n.roles.includes('control-plane'));
  const workers = lab.nodes.filter((n) => n.roles.includes('worker'));
  const sshBase = `ssh -i ${q(lab.clientKeyPath)} -o UserKnownHostsFile=${q(lab.knownHostsPath)} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
  const on = (n: LabNode, script: string): string => `${sshBase} -p ${n.sshPort} root@${n.address} ${q(script)}`;
  const par = (cmds: string[]): string => `run_all ${cmds.map(q).join(' ')}`;
  const initialCluster = cps.map((n) => `${n.etcdName ?? n.name}=https://${n.address}:2380`).join(',');
  const endpoints = cps.map((n) => `https://${n.address}:2379`).join(',');
  const cp1 = cps[0] as LabNode;
  const scpBase = `scp -q -i ${q(lab.clientKeyPath)} -o UserKnownHostsFile=${q(lab.knownHostsPath)} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
  const survivor = i.rebuildFrom === undefined ? undefined : lab.node(i.rebuildFrom);
  const sedRe = (s: string): string => s.replace(/[.]/g, '\\.');
  // The survivor's etcd.yaml with `n`'s member name and address: every URL flag and the
  // annotation carry "//<address>:"; --initial-cluster is rewritten with the others below.
  const rebuild = (n: LabNode, s: LabNode): string =>
    `if ! ${on(n, `test -f ${STASH}/etcd.yaml`)}; then sed -e ${q(`s#--name=${sedRe(s.etcdName ?? s.name)}$#--name=${n.etcdName ?? n.name}#`)} -e ${q(`s#//${sedRe(s.address)}:#//${n.address}:#g`)} "$tmp/etcd.yaml" > "$tmp/${n.name}.yaml" && ${scpBase} -P ${n.sshPort} "$tmp/${n.name}.yaml" root@${n.address}:${STASH}/etcd.yaml && echo "rebuilt etcd.yaml on ${n.name} from ${s.name}'s" >&2; fi`;
  const lines = [
    '#!/bin/bash',
    'set -euo pipefail',
    '# Runs each argument (a command line) in the background and fails if any of them failed.',
    'run_all() { local pids=() rc=0; for c in "$@"; do ( eval "$c" ) & pids+=($!); done; for p in "${pids[@]}"; do wait "$p" || rc=1; done; return $rc; }',
    '# wait_until DESCRIPTION SECONDS COMMAND-LINE: poll every 0.25 s.',
    'wait_until() { local end=$((SECONDS + $2)); until eval "$3" > /dev/null 2>&1; do [ $SECONDS -lt $end ] || { echo "timed out waiting for $1" >&2; return 1; }; sleep 0.25; done; }',
    'token=kubedr-restore-$(date +%s%N); stamp=$(date +%Y%m%dT%H%M%S%N)',
    '# Per-phase figures for the bench: a builtin echo to stderr, no process.',
    // EPOCHREALTIME's decimal separator follows the locale: always a dot here.
    `phase() { echo "${PHASE_MARK} $1 \${EPOCHREALTIME/[!0-9]/.}" >&2; }`,
    '',
    'phase stop',
    '# 1. Stop etcd and the apiserver everywhere (manifests kept aside), wait until both exited.',
    par(cps.map((n) => on(n, `set -e; mkdir -p ${STASH}
for f in kube-apiserver etcd; do if [ -f /etc/kubernetes/manifests/$f.yaml ]; then mv /etc/kubernetes/manifests/$f.yaml ${STASH}/; fi; done
if [ -f ${i.damagedDir}/etcd.yaml ]; then mv ${i.damagedDir}/etcd.yaml ${STASH}/; fi
${survivor ? '' : `test -f ${STASH}/etcd.yaml && `}test -f ${STASH}/kube-apiserver.yaml`))),
    par(cps.map((n) => `wait_until ${q(`etcd and apiserver gone on ${n.name}`)} 60 ${q(`[ -z "$(${on(n, "crictl ps --name '^(etcd|kube-apiserver)$' -q")})" ]`)}`)),
    '',
    ...(survivor
      ? [
          'phase rebuild',
          '# 1b. Members that lost etcd.yaml: the survivor\'s copied here, name and addresses substituted.',
          'tmp=$(mktemp -d)',
          `${scpBase} -P ${survivor.sshPort} root@${survivor.address}:${STASH}/etcd.yaml "$tmp/etcd.yaml"`,
          par(cps.filter((n) => n.name !== survivor.name).map((n) => rebuild(n, survivor))),
          par(cps.map((n) => on(n, `test -f ${STASH}/etcd.yaml`))),
          '',
        ]
      : []),
    'phase copyCheck',
    '# 2. The snapshot on every member, sha256 and snapshot status checked there.',
    par(cps.map((n) => [
      on(n, `mkdir -p ${STAGE}`),
      `${scpBase} -P ${n.sshPort} ${q(i.snapshot)} root@${n.address}:${STAGE}/snapshot.db`,
      `out=$(${on(n, `sha256sum ${STAGE}/snapshot.db && ETCDCTL_API=3 etcdctl --write-out=table snapshot status ${STAGE}/snapshot.db`)})`,
      `[ "\${out%% *}" = ${i.sha256} ] || { echo "sha256 mismatch on ${n.name}" >&2; exit 1; }`,
    ].join(' && '))),
    '',
    // TOKEN and STAMP step out of the single-quoted remote script to expand locally.
    'phase restore',
    '# 3-5. Restore each member into a new dir, old dir moved aside, etcd.yaml edited.',
    par(cps.map((n) => `${on(n, `set -e
ETCDCTL_API=3 etcdctl snapshot restore ${STAGE}/snapshot.db --name=${n.etcdName ?? n.name} --initial-cluster=${initialCluster} --initial-advertise-peer-urls=https://${n.address}:2380 --initial-cluster-token=TOKEN --data-dir=/var/lib/etcd-restored
if [ -e /var/lib/etcd ]; then mv /var/lib/etcd ${SCRIPT_LEFTOVERS.oldDataPrefix}STAMP; fi
mv /var/lib/etcd-restored /var/lib/etcd
chmod 700 /var/lib/etcd
sed -i -e 's#--initial-cluster-state=.*#--initial-cluster-state=existing#' -e 's#--initial-cluster=.*#--initial-cluster=${initialCluster}#' ${STASH}/etcd.yaml
grep -q -- '--initial-cluster-state=existing' ${STASH}/etcd.yaml`).replace('TOKEN', `'"$token"'`).replace('STAMP', `'"$stamp"'`)}`)),
    '',
    'phase start',
    '# 6. etcd back; every member healthy and in the member list; then the apiservers, /readyz;',
    '#    then controller-manager and scheduler restarted.',
    par(cps.map((n) => on(n, `mv ${STASH}/etcd.yaml /etc/kubernetes/manifests/`))),
    `wait_until 'all members healthy' 120 ${q(on(cp1, `${ETCDCTL} --endpoints=${endpoints} endpoint health`))}`,
    `[ "$(${on(cp1, `${ETCDCTL} --endpoints=https://${cp1.address}:2379 member list`)} | grep -c ', started, ')" = ${cps.length} ]`,
    par(cps.map((n) => on(n, `mv ${STASH}/kube-apiserver.yaml /etc/kubernetes/manifests/`))),
    par(cps.map((n) => `wait_until ${q(`apiserver on ${n.name}`)} 120 ${q(`[ "$(${on(n, `curl -fsS --cacert /etc/kubernetes/pki/ca.crt https://${n.address}:6443/readyz`)})" = ok ]`)}`)),
    par(cps.map((n) => on(n, `set -e
for c in kube-controller-manager kube-scheduler; do
  mv /etc/kubernetes/manifests/$c.yaml ${STASH}/
  while [ -n "$(crictl ps --name "^$c$" -q)" ]; do sleep 0.2; done
  mv ${STASH}/$c.yaml /etc/kubernetes/manifests/
done`))),
    '',
    'phase workers',
    '# 7. Workers: a fresh join command, then reset + join on each.',
    ...(workers.length > 0
      ? [
          `join=$(${on(cp1, 'kubeadm token create --print-join-command')})`,
          `run_all ${workers.map((w) => `${q(`${sshBase} -p ${w.sshPort} root@${w.address} "kubeadm reset -f > /dev/null && $join"`)}`).join(' ')}`,
        ]
      : []),
    'phase end',
    '',
  ];
  writeFileSync(path, lines.join('\n'), { mode: 0o700 });
  return path;
}
