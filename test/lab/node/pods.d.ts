// Types for pods.js (plain JS so that it runs without a TypeScript loader inside lab nodes).
import type { ProbeSpec } from './probes.js';
export interface VolumeMap {
  mountPath: string;
  hostPath: string;
}
export interface PodSpec {
  pod: string;
  container: string;
  image: string;
  argv: string[];
  mounts: VolumeMap[];
  /** hostPath volumes with their type (DirectoryOrCreate, FileOrCreate, …). */
  hostPaths: { path: string; type: string }[];
  env: Record<string, string>;
  /** httpGet startup/liveness probes of the container (probes.js). */
  probes: { startup?: ProbeSpec; liveness?: ProbeSpec };
}
export function rewriteLoopback(arg: string, address: string): string;
export function mapVolumePaths(arg: string, mounts: VolumeMap[]): string;
export function parsePodManifest(text: string, nodeName: string): PodSpec;
export function launchArgv(spec: PodSpec, address: string): string[];
export function backoffMs(restarts: number): number;
export function podsTsv(rows: { id: string; name: string; state: string }[]): string;
