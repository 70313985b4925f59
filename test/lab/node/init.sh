#!/bin/sh
# PID 1 of a lab node, run by `unshare --mount --uts --pid --fork --mount-proc`. Sets the node's
# hostname and private bind mounts, starts sshd and the static-pod runner, then waits. When this
# process dies the kernel kills every process of the node's PID namespace and the mount namespace
# (with its bind mounts) disappears: one kill of this PID tears the whole node down.
set -eu
hostname "$LAB_NODE_NAME"
# External etcd labs: the node's own /etc (etcd.env, units, /etc/ssl/etcd) over the host's,
# mounted first so the binds below land on top of it.
if [ -d "$LAB_NODE_DIR/etc-upper" ]; then
  mount -t overlay overlay -o "lowerdir=/etc,upperdir=$LAB_NODE_DIR/etc-upper,workdir=$LAB_NODE_DIR/etc-work" /etc
fi
mount --bind "$LAB_NODE_DIR/etc-kubernetes" /etc/kubernetes
mount --bind "$LAB_NODE_DIR/var-lib" /var/lib
mount --bind "$LAB_NODE_DIR/bin" /usr/local/sbin
mount --bind "$LAB_NODE_DIR/root" /root
# A private /tmp, but the lab root (under the host's /tmp) must stay visible at its own path:
# bind it into the node's tmp first, then carry that along with a recursive bind.
mount --bind "$LAB_ROOT" "$LAB_NODE_DIR/tmp/${LAB_ROOT#/tmp/}"
# The checkout itself (node scripts, node_modules) may live under /tmp too, e.g. a CI clone:
# keep it visible at its own path the same way, or the runner and stand-ins cannot start.
case "$LAB_REPO" in
  /tmp/*)
    mkdir -p "$LAB_NODE_DIR/tmp/${LAB_REPO#/tmp/}"
    mount --bind "$LAB_REPO" "$LAB_NODE_DIR/tmp/${LAB_REPO#/tmp/}"
    ;;
esac
mount --rbind "$LAB_NODE_DIR/tmp" /tmp
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
/usr/sbin/sshd -D -e -f "$LAB_NODE_DIR/sshd_config" >>"$LAB_NODE_DIR/logs/sshd.log" 2>&1 &
KUBEDR_LAB_NODE="$LAB_NODE_DIR/node.json" "$LAB_NODE_BIN" "$LAB_RUNNER" >>"$LAB_NODE_DIR/logs/runner.log" 2>&1 &
# Its pid in the node's namespace: a test pauses this kubelet (kill -STOP) to hold a restart.
echo $! >"$LAB_NODE_DIR/runner.pid"
# Units enabled on this node start at boot, as systemd would start them (in the background:
# the node is up, sshd answers, while they come up).
if [ -e "$LAB_NODE_DIR/boot-units" ]; then
  while read -r unit; do /usr/local/sbin/systemctl start --no-block "$unit" || true; done <"$LAB_NODE_DIR/boot-units" >>"$LAB_NODE_DIR/logs/boot.log" 2>&1 &
fi
: >"$LAB_NODE_DIR/init.ready"
if [ "$LAB_OWNED" = 1 ]; then
  # Owned by a test process: our stdin is a pipe from it. EOF means the owner exited or was
  # killed, so the node ends with it (no leftovers even after kill -9 of the test run).
  cat >/dev/null || true
else
  wait
fi
