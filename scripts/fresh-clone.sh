#!/usr/bin/env bash
# Runs the README's first commands (the indented lines right under the title) exactly as
# written, in a fresh clone of this repository's HEAD in a temp dir: what a new user does.
#   scripts/fresh-clone.sh            # every command
#   scripts/fresh-clone.sh demo       # only the commands that contain "demo"
#   scripts/fresh-clone.sh --list     # print the commands, run nothing
# Commit first: the clone sees HEAD, not the working tree.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

# The first block of 4-space-indented lines after the title, comments stripped.
mapfile -t cmds < <(awk '/^    [^ ]/ { sub(/^    /, ""); sub(/[ ]+#.*$/, ""); print; seen=1; next } seen { exit }' "$repo/README.md")
[ ${#cmds[@]} -gt 0 ] || { echo "fresh-clone: no commands under the README's title" >&2; exit 1; }
if [ "${1:-}" = "--list" ]; then printf '%s\n' "${cmds[@]}"; exit 0; fi

work="$(mktemp -d /tmp/kubedr-fresh-XXXXXX)"
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-hardlinks "$repo" "$work/kubedr"
cd "$work/kubedr"
echo "fresh-clone: $(git log -1 --format='%h %s') in $work/kubedr"
ran=0
for c in "${cmds[@]}"; do
  if [ -n "${1:-}" ] && [[ "$c" != *"$1"* ]]; then continue; fi
  echo "fresh-clone: \$ $c"
  bash -c "$c"
  ran=$((ran + 1))
  # Each README line starts from a fresh clone's state, so the next one installs again.
  git clean -fdxq
done
[ "$ran" -gt 0 ] || { echo "fresh-clone: no README command matched '$1'" >&2; exit 1; }
echo "fresh-clone: $ran README command(s) passed"
