// The scrubber moved to src/errors/redact.ts so that src/transport can use it too; this path is
// kept for src/engine/redact.ts (another work stream), and for nothing else.
export { MIN_SECRET_LENGTH, REDACTED, redactDeep, redactSecrets, secretsOf, usableSecrets, type SecretSource } from '../errors/redact.js';
