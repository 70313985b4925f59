// The start-up snapshot of `kubedr --help`, `help` and `--version` (bin/kubedr): the command tree
// and its help code, without the modules of any command (scripts/bundle-cli.ts leaves them out of
// this bundle): a smaller heap than plan's snapshot (src/cli/snapshot.ts), so a faster start.
import { makeSnapshot } from './snapshot-parts.js';

makeSnapshot(() => undefined);
