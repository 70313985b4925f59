// The native inventory document as written (schema-valid), before inheritance is resolved.
import type { EtcdTool, Role } from '../model/index.js';

export interface RawSsh {
  user?: string;
  port?: number;
  identityFile?: string;
  knownHostsFile?: string;
  proxyJump?: string;
  connectTimeout?: string | number;
}

export interface RawBecome {
  enabled?: boolean;
  method?: 'sudo';
  passwordFrom?: string;
}

export interface RawPaths {
  manifestDir?: string;
  etcdDataDir?: string;
  pkiDir?: string;
}

export interface RawSettings {
  ssh?: RawSsh;
  become?: RawBecome;
  paths?: RawPaths;
}

export interface RawGroup extends RawSettings {
  roles?: Role[];
  labels?: Record<string, string>;
  vars?: Record<string, unknown>;
}

export interface RawNode extends RawGroup {
  name: string;
  address: string;
  groups?: string[];
  etcd?: { name?: string; peerURL?: string; clientURL?: string };
}

export interface RawInventory {
  apiVersion: string;
  kind: string;
  cluster: { name: string };
  defaults?: RawSettings;
  etcd?: { tool?: EtcdTool; tls?: { cacert?: string; cert?: string; key?: string } };
  groups?: Record<string, RawGroup>;
  nodes: RawNode[];
  vars?: Record<string, unknown>;
}

export const DEFAULT_PATHS = { manifestDir: '/etc/kubernetes/manifests', etcdDataDir: '/var/lib/etcd', pkiDir: '/etc/kubernetes/pki' };
export const DEFAULT_TLS = {
  cacert: '/etc/kubernetes/pki/etcd/ca.crt',
  cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
  key: '/etc/kubernetes/pki/etcd/healthcheck-client.key',
};
