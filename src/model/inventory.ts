// The inventory after parsing, defaults and group inheritance: every field resolved.

export type Role = 'control-plane' | 'etcd' | 'worker';
export const ROLES: readonly Role[] = ['control-plane', 'etcd', 'worker'];

export type EtcdTool = 'auto' | 'etcdctl' | 'etcdutl';

/** Where a value came from, for messages that name file:line:col. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export interface SshSettings {
  user: string;
  port: number;
  /** Path on the operator machine. */
  identityFile?: string;
  /** `user@host:port` of a bastion, OpenSSH ProxyJump syntax. */
  proxyJump?: string;
  connectTimeoutMs: number;
  /** OpenSSH known_hosts file used to check host keys. @default ~/.ssh/known_hosts */
  knownHostsFile?: string;
  /**
   * Fields the inventory did not write (they hold kubedr's default), so ~/.ssh/config may set
   * them: OpenSSH's and Ansible's precedence, where explicit inventory values win. @default []
   */
  defaulted?: ('user' | 'port' | 'connectTimeout')[];
}

export interface BecomeSettings {
  enabled: boolean;
  method: 'sudo';
  /** Name of a secret param or env var holding the sudo password; never the password itself. */
  passwordFrom?: string;
}

export interface EtcdMember {
  name: string;
  peerURL: string;
  clientURL: string;
}

export interface ClusterPaths {
  manifestDir: string;
  etcdDataDir: string;
  pkiDir: string;
}

export interface EtcdTls {
  cacert: string;
  cert: string;
  key: string;
}

export interface InventoryNode {
  name: string;
  address: string;
  roles: Role[];
  groups: string[];
  labels: Record<string, string>;
  ssh: SshSettings;
  become: BecomeSettings;
  /** Present on nodes with the etcd role (stacked control plane or external etcd). */
  etcd?: EtcdMember;
  paths: ClusterPaths;
  vars: Record<string, unknown>;
  pos?: SourcePos;
}

export interface Inventory {
  /** File the inventory was read from (for messages and hashing). */
  source: string;
  format: 'kubedr' | 'ansible';
  cluster: { name: string };
  etcd: { tool: EtcdTool; tls: EtcdTls };
  nodes: InventoryNode[];
  groups: Record<string, string[]>;
  vars: Record<string, unknown>;
  /** sha256 of a canonical JSON of the resolved inventory (not of the file bytes). */
  hash: string;
}
