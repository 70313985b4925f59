// Shell fragments shared by the etcd actions. The inventory's `etcd.tool` is honoured
// everywhere a snapshot is read or restored (auto: etcdutl when installed, else etcdctl);
// cluster state (health, member list, revision) is always asked with etcdctl over the
// inventory's TLS flags, as only etcdctl speaks to a running member.
import type { TemplateArg } from './types.js';
import { script, word } from './shell.js';

/** Sets $tool to etcdutl or etcdctl from `etcd.tool`, failing when that tool is missing. */
export function resolveTool(tool: TemplateArg = '{{ etcd.tool }}'): string {
  return script(
    `tool=${word(tool)}`,
    'if [ "$tool" = auto ]; then if command -v etcdutl >/dev/null 2>&1; then tool=etcdutl; else tool=etcdctl; fi; fi',
    'command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed on $(uname -n)" >&2; exit 1; }',
  );
}

/** `snap_tool ARGS…`: the resolved tool for snapshot commands (etcdctl needs ETCDCTL_API=3). */
export const SNAP_TOOL_FN = 'snap_tool() { if [ "$tool" = etcdutl ]; then etcdutl "$@"; else ETCDCTL_API=3 etcdctl "$@"; fi; }';

/** `ectl ARGS…`: etcdctl with the inventory's TLS flags against `endpoints`. */
export function etcdctlFn(endpoints: TemplateArg = '{{ cluster.etcdEndpoints }}', name = 'ectl'): string {
  return `${name}() { ETCDCTL_API=3 etcdctl {{ etcd.tlsFlags }} --endpoints=${word(endpoints)} "$@"; }`;
}

/** Rehearsal check: etcdctl installed and the inventory's client certificates readable. */
export const ETCDCTL_CHECK = 'command -v etcdctl >/dev/null || { echo "etcdctl is not installed" >&2; exit 1; }; for f in {{ etcd.tls.cacert }} {{ etcd.tls.cert }} {{ etcd.tls.key }}; do test -r "$f" || { echo "cannot read $f" >&2; exit 1; }; done';

/** Rehearsal check: the restore tool `etcd.tool` names (or, for auto, either) is installed. */
export function toolCheck(tool: TemplateArg = '{{ etcd.tool }}'): string {
  return `tool=${word(tool)}; if [ "$tool" = auto ]; then command -v etcdutl >/dev/null || command -v etcdctl >/dev/null || { echo "neither etcdutl nor etcdctl is installed" >&2; exit 1; }; else command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }; fi`;
}

/** Prints the first `"key":digits` of JSON on stdin (no jq on a minimal node). */
export function jsonInt(key: string): string {
  return `tr ',{}' '\\n\\n\\n' | sed -n 's/^"${key}":\\([0-9]*\\)$/\\1/p' | head -n 1`;
}
