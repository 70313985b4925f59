// The backup directory etcd-backup writes and restores read.
export * from './layout.js';
export { listBackup, loadBackup } from './load.js';
