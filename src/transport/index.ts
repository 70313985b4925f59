// Public surface of the transport layer: the only place that imports ssh2 and zx.
export { createSshTransport, type SshTransport, type SshTransportOptions } from './ssh-transport.js';
export { createLocalTransport } from './local.js';
export { hashFile, type FileDigest } from './file-digest.js';
export { TRANSPORT_CODES, TransportError, isTransientTransportError, transportFailureOf, redact, type TransportCode } from './errors.js';
export { endpointOf, type Endpoint } from './endpoints.js';
export { parseSshConfig, resolveSshHost, loadSshConfig, defaultSshConfigPath, SshConfigError, type SshConfig, type SshHostSettings } from './ssh-config.js';
export { parseKnownHosts, checkHostKey, fingerprintOf, type KnownHostEntry, type HostKeyVerdict } from './known-hosts.js';
export { buildRemoteCommand, type SudoMode } from './command.js';
export { DEFAULT_TUNING, type StreamTuning } from './sftp-stream.js';
export type { RecordedHostKey } from './connect.js';
