// The systemd flavour (external etcd, e.g. Kubespray): stopEtcdService records whether the unit
// was active (for undo) and waits until it is not; startEtcdService starts it without waiting
// for quorum (waitEtcdQuorum does); configureEtcdService sets --initial-cluster and
// --initial-cluster-state in the env file (ETCD_* lines) or, without one, in the unit's
// ExecStart, the original kept in the staging dir for undo.
import { creatable, script, word } from './shell.js';
import { DEFAULT_STAGE } from './stage-snapshot.js';
import type { DrAction, TemplateArg } from './types.js';

export interface EtcdServiceArgs {
  /** @default 'etcd' */
  unit?: TemplateArg;
  stageDir?: TemplateArg;
}

const props = {
  unit: { type: 'string', description: 'systemd unit of etcd. Default etcd.' },
  stageDir: { type: 'string', description: `Per-run staging dirs (state kept for undo). Default ${DEFAULT_STAGE}.` },
};
const vars = (a: EtcdServiceArgs) => `unit=${word(a.unit ?? 'etcd')}; stage=${word(a.stageDir ?? DEFAULT_STAGE)}/{{ run.id }}`;
const unitCheck = (a: EtcdServiceArgs) => script(vars(a), 'systemctl cat "$unit" >/dev/null 2>&1 || { echo "no systemd unit $unit on $(uname -n)" >&2; exit 1; }');

export const stopEtcdService: DrAction<EtcdServiceArgs> = {
  name: 'stopEtcdService',
  summary: 'systemctl stop etcd and wait until the unit is inactive (whether it was active is kept for undo)',
  argsSchema: { type: 'object', additionalProperties: false, properties: props },
  expand: (a) => ({
    action: {
      kind: 'shell',
      sudo: true,
      script: script(
        'set -e',
        vars(a),
        'mkdir -p -m 0700 "$stage"',
        '[ -e "$stage/etcd-was-active" ] || [ -e "$stage/etcd-was-inactive" ] || { if systemctl is-active --quiet "$unit"; then : > "$stage/etcd-was-active"; else : > "$stage/etcd-was-inactive"; fi; }',
        'systemctl stop "$unit"',
        'i=0; while systemctl is-active --quiet "$unit"; do i=$((i+1)); [ "$i" -le 600 ] || { echo "$unit did not stop" >&2; exit 1; }; sleep 0.2; done',
        'echo "$unit stopped on $(uname -n)"',
      ),
    },
    undo: { kind: 'shell', sudo: true, script: script(vars(a), 'if [ -e "$stage/etcd-was-active" ]; then systemctl start --no-block "$unit"; echo "$unit started again"; fi') },
    check: { kind: 'shell', sudo: true, script: script(unitCheck(a), creatable('stage', 'the staging dir')) },
    idempotent: true,
  }),
};

export const startEtcdService: DrAction<EtcdServiceArgs> = {
  name: 'startEtcdService',
  summary: 'systemctl start etcd (no wait: a member waits for its peers; waitEtcdQuorum follows)',
  argsSchema: { type: 'object', additionalProperties: false, properties: props },
  expand: (a) => ({
    action: { kind: 'shell', sudo: true, script: script(vars(a), 'systemctl start --no-block "$unit"', 'echo "$unit starting on $(uname -n)"') },
    undo: { kind: 'shell', sudo: true, script: script(vars(a), 'systemctl stop "$unit"') },
    check: { kind: 'shell', sudo: true, script: unitCheck(a) },
    idempotent: true,
  }),
};

export interface ConfigureEtcdServiceArgs extends EtcdServiceArgs {
  /** @default '/etc/etcd.env' */
  envFile?: TemplateArg;
  initialCluster?: TemplateArg;
  state?: 'new' | 'existing';
}

export const configureEtcdService: DrAction<ConfigureEtcdServiceArgs> = {
  name: 'configureEtcdService',
  summary: 'set --initial-cluster and --initial-cluster-state in etcd\'s env file (or its unit\'s ExecStart), original kept',
  argsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...props,
      envFile: { type: 'string', description: 'Env file with ETCD_* settings; when absent, the unit\'s ExecStart flags are edited. Default /etc/etcd.env.' },
      initialCluster: { type: 'string', description: 'Default {{ cluster.initialCluster }}.' },
      state: { enum: ['new', 'existing'], description: 'Default existing.' },
    },
  },
  expand: (a) => ({
    action: {
      kind: 'shell',
      sudo: true,
      script: script(
        'set -e',
        `${vars(a)}; env=${word(a.envFile ?? '/etc/etcd.env')}; ic=${word(a.initialCluster ?? '{{ cluster.initialCluster }}')}; st=${a.state ?? 'existing'}`,
        'mkdir -p -m 0700 "$stage"',
        'if [ -e "$env" ]; then f=$env; else f=$(systemctl show -p FragmentPath --value "$unit"); fi',
        '[ -n "$f" ] && [ -e "$f" ] || { echo "cannot find the etcd config (env file or unit)" >&2; exit 1; }',
        'printf \'%s\\n\' "$f" > "$stage/etcd-config.path"',
        '[ -e "$stage/etcd-config.orig" ] || cp -p -- "$f" "$stage/etcd-config.orig"',
        'cp -p -- "$stage/etcd-config.orig" "$f.kubedr-tmp"',
        'if [ "$f" = "$env" ]; then',
        '  grep -q \'^ETCD_INITIAL_CLUSTER=\' "$f.kubedr-tmp" || echo "ETCD_INITIAL_CLUSTER=" >> "$f.kubedr-tmp"',
        '  grep -q \'^ETCD_INITIAL_CLUSTER_STATE=\' "$f.kubedr-tmp" || echo "ETCD_INITIAL_CLUSTER_STATE=" >> "$f.kubedr-tmp"',
        '  sed -i -e "s#^ETCD_INITIAL_CLUSTER=.*#ETCD_INITIAL_CLUSTER=$ic#" -e "s#^ETCD_INITIAL_CLUSTER_STATE=.*#ETCD_INITIAL_CLUSTER_STATE=$st#" "$f.kubedr-tmp"',
        'else',
        '  sed -i -e "s#--initial-cluster[= ][^ \\\\]*#--initial-cluster=$ic#" -e "s#--initial-cluster-state[= ][^ \\\\]*#--initial-cluster-state=$st#" "$f.kubedr-tmp"',
        'fi',
        'mv -f -- "$f.kubedr-tmp" "$f"',
        'systemctl daemon-reload',
        'diff "$stage/etcd-config.orig" "$f" || true',
      ),
    },
    undo: { kind: 'shell', sudo: true, script: script('set -e', vars(a), 'if [ -e "$stage/etcd-config.orig" ]; then f=$(cat "$stage/etcd-config.path"); mv -f -- "$stage/etcd-config.orig" "$f"; systemctl daemon-reload; echo "$f put back"; fi') },
    check: { kind: 'shell', sudo: true, script: script(`${vars(a)}; env=${word(a.envFile ?? '/etc/etcd.env')}`, 'test -r "$env" || systemctl cat "$unit" >/dev/null 2>&1 || { echo "no systemd unit $unit on $(uname -n)" >&2; exit 1; }') },
    idempotent: true,
  }),
};
