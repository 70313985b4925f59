// Errors of `kubedr objects`: bad selectors and flags are bad input (exit 2, nothing read or
// written); a live cluster that cannot be read or written is a failure (exit 1).
import { KubedrError } from '../../errors/index.js';

export type ObjectsErrorCode =
  | 'OBJECTS_BAD_SELECTOR'
  | 'OBJECTS_BAD_PREFIX'
  | 'OBJECTS_PREFIX_OUTSIDE_REGISTRY'
  | 'OBJECTS_NO_SELECTION'
  | 'OBJECTS_NOT_FOUND'
  | 'OBJECTS_AMBIGUOUS'
  | 'OBJECTS_BAD_TARGET'
  | 'OBJECTS_LIVE_READ_FAILED'
  | 'OBJECTS_WRITE_FAILED'
  | 'OBJECTS_NOT_A_RESTORE_RUN'
  | 'OBJECTS_RUN_STATE';

const BAD_INPUT: ReadonlySet<ObjectsErrorCode> = new Set([
  'OBJECTS_BAD_SELECTOR', 'OBJECTS_BAD_PREFIX', 'OBJECTS_PREFIX_OUTSIDE_REGISTRY', 'OBJECTS_NO_SELECTION', 'OBJECTS_AMBIGUOUS', 'OBJECTS_BAD_TARGET', 'OBJECTS_NOT_A_RESTORE_RUN',
]);

export class ObjectsError extends KubedrError {
  declare readonly code: ObjectsErrorCode;

  constructor(code: ObjectsErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { exitCode: BAD_INPUT.has(code) ? 2 : 1, ...(opts.hint === undefined ? {} : { hint: opts.hint }), cause: opts.cause });
    this.name = 'ObjectsError';
  }
}
