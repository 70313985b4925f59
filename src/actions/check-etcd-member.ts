// checkEtcdMember (preflight, read-only): the restore tool `etcd.tool` names and etcdctl are
// installed, their versions, whether etcdutl supports --bump-revision, and the etcd certificates
// (the inventory's client TLS files and the member's server/peer pairs under pkiDir) present and
// not expired. Nothing changes, so the rehearsal runs it as it is.
import { resolveTool } from './etcd-shell.js';
import { script, word } from './shell.js';
import type { DrAction, TemplateArg } from './types.js';

export interface CheckEtcdMemberArgs {
  /** @default '{{ etcd.tool }}' */
  tool?: TemplateArg;
  /** Member certificates under this dir's etcd/ (kubeadm layout); '' to check only the client TLS. @default '{{ node.paths.pkiDir }}' */
  pkiDir?: TemplateArg;
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
        'for f in "$@"; do test -r "$f" || { echo "missing certificate: $f (restore it from the backup: docs/restoring.md)" >&2; exit 1; }; done',
        'if command -v openssl >/dev/null 2>&1; then for c in "$@"; do openssl x509 -noout -checkend 0 -in "$c" >/dev/null || { echo "certificate expired or unreadable: $c" >&2; exit 1; }; done; fi',
        'set -- {{ etcd.tls.key }}',
        'if [ -n "$pki" ]; then set -- "$@" "$pki/etcd/server.key" "$pki/etcd/peer.key"; fi',
        'for f in "$@"; do test -r "$f" || { echo "missing key: $f (restore it from the backup: docs/restoring.md)" >&2; exit 1; }; done',
        'echo "certificates ok"',
      ),
    },
    idempotent: true,
    readOnly: true,
  }),
};
