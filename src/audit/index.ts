// Public surface of src/audit: the hash-chained audit log, its verifier, and the views over it.
export { redactSecrets, redactDeep, usableSecrets, secretsOf, MIN_SECRET_LENGTH, REDACTED, type SecretSource } from '../errors/redact.js';
export { AUDIT_FILE, HEAD_FILE, genesisHash, sha256Hex } from './chain.js';
export type { AuditRecord, AuditBody, AuditRecordType, Operator, AuditSubject } from './record.js';
export { createAuditSink, AuditTornTailError, type AuditSink, type AuditSinkOptions } from './sink.js';
export { operatorIdentity } from './who.js';
export { verifyAudit, verifyAuditText, type AuditVerdict, type VerifyOptions } from './verify.js';
export { readAuditRecords, parseAuditRecords } from './read.js';
export { auditGrid, buildGrid, cellAt, type AuditGrid, type GridStep, type GridCell, type CellState, type RunSession } from './grid.js';
export { renderGridText, gridToJson, cellText } from './grid-text.js';
export { renderJunit, xmlEscape } from './junit.js';
export { renderHtmlReport, type HtmlReportOptions } from './html.js';
export { renderTimelineSvg } from './timeline.js';
export { summarizeRun, sortRuns, renderRunsText, type RunSummary } from './runs.js';
export { formatDuration, GLYPHS, STATE_LABELS } from './format.js';
