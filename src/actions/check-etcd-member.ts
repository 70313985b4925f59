// checkEtcdMember (preflight, read-only): the restore tool `etcd.tool` names and etcdctl are
// installed, their versions, whether etcdutl supports --bump-revision, and the etcd certificates
// (the inventory's client TLS files and the member's server/peer pairs under pkiDir) present and
// not expired. Nothing changes, so the rehearsal runs it as it is. With `restoredFromBackup:
// true` (a restoreNodeFiles step of the run puts a lost pki/etcd back from the backup, and its
// own check names the source or refuses the node) a missing file among those it restores is
// reported, not refused.
import { resolveTool } from './etcd-shell.js';
import { ETCD_MEMBER_FILES } from './restore-node-files.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface CheckEtcdMemberArgs {
  /** @default '{{ etcd.tool }}' */
  tool?: TemplateArg;
  /** Member certificates under this dir's etcd/ (kubeadm layout); '' to check only the client TLS. @default '{{ node.paths.pkiDir }}' */
  pkiDir?: TemplateArg;
  /** A restoreNodeFiles step (default files) restores what is missing under pkiDir. @default false */
  restoredFromBackup?: boolean;
}

export const checkEtcdMember: DrAction<CheckEtcdMemberArgs> = {
  name: 'checkEtcdMember',
  summary: 'restore tool, etcdctl and the etcd certificates present (and not expired) on the member',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      tool: { type: 'string', description: 'auto, etcdutl or etcdctl. Default {{ etcd.tool }}.' },
      pkiDir: { type: 'string', description: "kubeadm pki dir holding etcd/{ca,server,peer}.*; '' checks only the inventory's client TLS. Default {{ node.paths.pkiDir }}." },
      restoredFromBackup: { type: 'boolean', description: "A restoreNodeFiles step of the run restores the member's lost files under pkiDir: those missing are reported, not refused. Default false." },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      sudo: true,
      script: script(
        'set -e',
        resolveTool(a.tool),
        'command -v etcdctl >/dev/null 2>&1 || { echo "etcdctl is not installed on $(uname -n) (needed for health checks)" >&2; exit 1; }',
        'echo "restore tool: $tool"; ETCDCTL_API=3 etcdctl version | head -n 1',
        'if [ "$tool" = etcdutl ] && etcdutl snapshot restore --help 2>&1 | grep -q -- --bump-revision; then echo "supports --bump-revision/--mark-compacted"; fi',
        `pki=${word(a.pkiDir ?? '{{ node.paths.pkiDir }}')}`,
        'set -- {{ etcd.tls.cacert }} {{ etcd.tls.cert }}',
        'if [ -n "$pki" ]; then set -- "$@" "$pki/etcd/ca.crt" "$pki/etcd/server.crt" "$pki/etcd/peer.crt"; fi',
        `restored=${a.restoredFromBackup === true ? word(` ${ETCD_MEMBER_FILES.join(' ')} `) : "''"}`,
        // A file the run restores first is named here; restoreNodeFiles' check vouches for its source.
        'later() { [ -n "$pki" ] && case "$1" in "$pki"/*) case "$restored" in *" ${1#"$pki"/} "*) echo "missing $1: restored from the backup before it is used"; return 0 ;; esac ;; esac; return 1; }',
        'for f in "$@"; do test -r "$f" || later "$f" || { echo "missing certificate: $f (restore it from the backup: docs/restoring.md)" >&2; exit 1; }; done',
        'if command -v openssl >/dev/null 2>&1; then for c in "$@"; do [ -r "$c" ] || continue; openssl x509 -noout -checkend 0 -in "$c" >/dev/null || { echo "certificate expired or unreadable: $c" >&2; exit 1; }; done; fi',
        'set -- {{ etcd.tls.key }}',
        'if [ -n "$pki" ]; then set -- "$@" "$pki/etcd/server.key" "$pki/etcd/peer.key"; fi',
        'for f in "$@"; do test -r "$f" || later "$f" || { echo "missing key: $f (restore it from the backup: docs/restoring.md)" >&2; exit 1; }; done',
        'echo "certificates ok"',
      ),
    },
    idempotent: true,
    readOnly: true,
  }),
};
