// A restore runbook fits one way of running etcd: ha-restore and single-restore restore the
// kubeadm static-pod etcd, external-etcd-restore a systemd etcd on the hosts. A Kubespray
// inventory says which with etcd_deployment_type (host by default; kubeadm = static pods), so
// the wrong runbook is refused before anything runs, naming the right one.
import type { Problem } from '../errors/index.js';
import type { Inventory, SourcePos } from '../model/index.js';

const STATIC_POD_RUNBOOKS = new Set(['ha-restore', 'single-restore']);
const HOST_RUNBOOKS = new Set(['external-etcd-restore']);

export function etcdDeploymentFit(runbookName: string, inventory: Inventory, posOf: () => SourcePos | undefined = () => undefined): Problem[] {
  const type = inventory.vars.etcd_deployment_type;
  if (typeof type !== 'string') return [];
  const problem = (right: string, why: string): Problem[] => {
    const pos = posOf();
    return [{
      code: 'RUNBOOK_ETCD_DEPLOYMENT_MISMATCH',
      severity: 'error',
      message: `runbook ${runbookName} does not fit this cluster: ${inventory.source} has etcd_deployment_type ${type} (${why})`,
      hint: `use -r ${right}`,
      ...(pos ? { pos } : {}),
    }];
  };
  if (type === 'host' && STATIC_POD_RUNBOOKS.has(runbookName)) return problem('external-etcd-restore', 'etcd runs as a systemd service on the etcd hosts, not as a kubeadm static pod');
  if (type === 'kubeadm' && HOST_RUNBOOKS.has(runbookName)) return problem('ha-restore', 'etcd runs as kubeadm static pods on the control-plane nodes');
  return [];
}
