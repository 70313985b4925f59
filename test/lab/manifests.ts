// Static-pod manifests and kubeconfigs as kubeadm writes them (v1.30-style flags). The files on
// disk keep kubeadm's 127.0.0.1 URLs; the in-node runner maps them to the node's address.

export interface ManifestMember {
  /** The etcd member name (--name), e.g. etcd-cp1. */
  name: string;
  address: string;
}

/** etcd's default --initial-cluster-token: kubeadm's manifest sets none. */
export const INITIAL_CLUSTER_TOKEN = 'etcd-cluster';

/** `etcd-cp1=https://127.X.0.1:2380,…` */
export function initialCluster(members: ManifestMember[]): string {
  return members.map((m) => `${m.name}=https://${m.address}:2380`).join(',');
}

function hostPathVolume(name: string, path: string, type: string): string {
  return `  - hostPath:\n      path: ${path}\n      type: ${type}\n    name: ${name}`;
}

/**
 * Flags a lab may add to kubeadm's etcd manifest. A db above etcd's default 2 GiB backend quota
 * needs `quotaBackendBytes` (etcd 3.4 warns above 8 GiB but takes it). `snapshotCount` below
 * kubeadm's 10000 lets etcd purge its WAL early: with 1 MiB values a 4 GiB db would otherwise
 * keep 4 GiB of WAL per member on the disk (it changes neither the db nor a restore).
 */
export interface EtcdManifestFlags {
  quotaBackendBytes?: number;
  snapshotCount?: number;
}

export function etcdManifest(self: ManifestMember, members: ManifestMember[], flags: EtcdManifestFlags = {}): string {
  const a = self.address;
  const quota = flags.quotaBackendBytes === undefined ? '' : `\n    - --quota-backend-bytes=${flags.quotaBackendBytes}`;
  return `apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://${a}:2379
  creationTimestamp: null
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --advertise-client-urls=https://${a}:2379
    - --cert-file=/etc/kubernetes/pki/etcd/server.crt
    - --client-cert-auth=true
    - --data-dir=/var/lib/etcd
    - --initial-advertise-peer-urls=https://${a}:2380
    - --initial-cluster=${initialCluster(members)}
    - --initial-cluster-state=new
    - --key-file=/etc/kubernetes/pki/etcd/server.key
    - --listen-client-urls=https://127.0.0.1:2379,https://${a}:2379
    - --listen-metrics-urls=http://127.0.0.1:2381
    - --listen-peer-urls=https://${a}:2380
    - --name=${self.name}
    - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt
    - --peer-client-cert-auth=true
    - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key
    - --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt${quota}
    - --snapshot-count=${flags.snapshotCount ?? 10000}
    - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
    image: registry.k8s.io/etcd:3.5.12-0
    imagePullPolicy: IfNotPresent
    name: etcd
    resources:
      requests:
        cpu: 100m
        memory: 100Mi
    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
    - mountPath: /etc/kubernetes/pki/etcd
      name: etcd-certs
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
${hostPathVolume('etcd-certs', '/etc/kubernetes/pki/etcd', 'DirectoryOrCreate')}
${hostPathVolume('etcd-data', '/var/lib/etcd', 'DirectoryOrCreate')}
status: {}
`;
}

/** An external etcd as kube-apiserver reaches it (Kubespray: certs under /etc/ssl/etcd/ssl). */
export interface ExternalEtcdClient {
  servers: string[];
  cafile: string;
  certfile: string;
  keyfile: string;
  /** Host dir holding the three files, mounted into the pod. */
  certDir: string;
}

export function apiserverManifest(self: ManifestMember, external?: ExternalEtcdClient): string {
  const a = self.address;
  const etcd = external ?? {
    servers: ['https://127.0.0.1:2379'], cafile: '/etc/kubernetes/pki/etcd/ca.crt',
    certfile: '/etc/kubernetes/pki/apiserver-etcd-client.crt', keyfile: '/etc/kubernetes/pki/apiserver-etcd-client.key', certDir: '',
  };
  const mount = external ? `\n    - mountPath: ${external.certDir}\n      name: etcd-certs-0\n      readOnly: true` : '';
  const volume = external ? `\n${hostPathVolume('etcd-certs-0', external.certDir, 'DirectoryOrCreate')}` : '';
  return `apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: ${a}:6443
  creationTimestamp: null
  labels:
    component: kube-apiserver
    tier: control-plane
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address=${a}
    - --allow-privileged=true
    - --authorization-mode=Node,RBAC
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
    - --enable-bootstrap-token-auth=true
    - --etcd-cafile=${etcd.cafile}
    - --etcd-certfile=${etcd.certfile}
    - --etcd-keyfile=${etcd.keyfile}
    - --etcd-servers=${etcd.servers.join(',')}
    - --secure-port=6443
    - --service-cluster-ip-range=10.96.0.0/12
    - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt
    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key
    image: registry.k8s.io/kube-apiserver:v1.30.0
    imagePullPolicy: IfNotPresent
    name: kube-apiserver
    volumeMounts:
    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
      readOnly: true${mount}
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  volumes:
${hostPathVolume('k8s-certs', '/etc/kubernetes/pki', 'DirectoryOrCreate')}${volume}
status: {}
`;
}

/** controller-manager and scheduler: present so runbooks can restart them; they only idle. */
export function componentManifest(component: 'kube-controller-manager' | 'kube-scheduler'): string {
  const conf = component === 'kube-scheduler' ? 'scheduler.conf' : 'controller-manager.conf';
  return `apiVersion: v1
kind: Pod
metadata:
  creationTimestamp: null
  labels:
    component: ${component}
    tier: control-plane
  name: ${component}
  namespace: kube-system
spec:
  containers:
  - command:
    - ${component}
    - --authentication-kubeconfig=/etc/kubernetes/${conf}
    - --authorization-kubeconfig=/etc/kubernetes/${conf}
    - --bind-address=127.0.0.1
    - --kubeconfig=/etc/kubernetes/${conf}
    - --leader-elect=true
    image: registry.k8s.io/${component}:v1.30.0
    imagePullPolicy: IfNotPresent
    name: ${component}
    volumeMounts:
    - mountPath: /etc/kubernetes/${conf}
      name: kubeconfig
      readOnly: true
  hostNetwork: true
  priorityClassName: system-node-critical
  volumes:
${hostPathVolume('kubeconfig', `/etc/kubernetes/${conf}`, 'FileOrCreate')}
status: {}
`;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A kubeconfig in kubeadm's shape (embedded data); without a client cert for kubelet.conf stand-ins. */
export function kubeconfig(server: string, caPem: string, user: string, client?: { cert: string; key: string }): string {
  const creds = client ? `\n    client-certificate-data: ${b64(client.cert)}\n    client-key-data: ${b64(client.key)}` : ' {}';
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64(caPem)}
    server: ${server}
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: ${user}
  name: ${user}@kubernetes
current-context: ${user}@kubernetes
kind: Config
preferences: {}
users:
- name: ${user}
  user:${creds}
`;
}
