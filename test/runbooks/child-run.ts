// A `kubedr run` in its own process, so a test can kill -9 it mid-restore (a real crash: no
// finally blocks, SSH connections cut) and then resume the run from its journal.
// Usage: node --import tsx child-run.ts '<DriveOptions as JSON>'; prints one event per line.
import { drive, type DriveOptions } from './drive.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as DriveOptions;
const out = await drive({ ...opts, sinks: [(e) => process.stdout.write(`${JSON.stringify(e)}\n`)] });
process.stdout.write(`${JSON.stringify({ kind: 'child-done', outcome: out.result.outcome })}\n`);
