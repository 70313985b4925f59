// restartKubelet: `systemctl restart kubelet` where systemd runs a kubelet unit, so no kubelet
// keeps a view of the cluster from before the restore (dr-procedures). Restarting again is
// harmless (idempotent). A restart cannot be taken back: the undo restarts it once more, after
// rollback has put the files back, so the kubelet again sees the state it runs on.
import { script } from './shell.js';
import type { DrAction } from './types.js';

export type RestartKubeletArgs = Record<string, never>;

const RESTART = script(
  'if [ -d /run/systemd/system ] && systemctl cat kubelet >/dev/null 2>&1; then',
  '  systemctl restart kubelet && echo "kubelet restarted"',
  'else echo "no systemd kubelet unit here: nothing to restart"; fi',
);

export const restartKubelet: DrAction<RestartKubeletArgs> = {
  name: 'restartKubelet',
  summary: 'restart the kubelet (skipped where systemd has no kubelet unit)',
  argsSchema: { type: ['object', 'null'], additionalProperties: false, properties: {} },
  expand: () => ({
    action: { kind: 'shell', script: RESTART, sudo: true },
    undo: { kind: 'shell', script: RESTART, sudo: true },
    check: { kind: 'shell', script: 'command -v systemctl >/dev/null || echo "no systemctl: the restart will be skipped"', sudo: false },
    idempotent: true,
  }),
};
