#!/bin/sh
# `crictl` on a lab node's PATH. Runbooks poll `crictl ps --name RE -q` in their wait loops (every
# 0.2 s on every control plane during a restore): starting node for each poll cost ~0.2 CPU-s and
# most of a restore's CPU on 2 cores. That form is answered here with awk from pods.tsv (which
# the lab kubelet writes with pods.json, the same rows); anything else goes to crictl.js.
# Needs KUBEDR_LAB_NODE (node.json), LAB_NODE_BIN (node) and LAB_CRICTL_JS from the wrapper.

slow() { exec "$LAB_NODE_BIN" "$LAB_CRICTL_JS" "$@"; }

# Sets all/name/state from `ps [-a] [--name RE] [--state S] -q`; fails on anything else.
parse() {
  [ "$1" = ps ] || return 1
  shift
  all=0 quiet=0 name='' state=''
  while [ $# -gt 0 ]; do
    case $1 in
      -a|--all) all=1 ;;
      -q|--quiet) quiet=1 ;;
      --name=*) name=${1#--name=} ;;
      --name) [ $# -ge 2 ] || return 1; name=$2; shift ;;
      --state=*) state=${1#--state=} ;;
      --state) [ $# -ge 2 ] || return 1; state=$2; shift ;;
      *) return 1 ;;
    esac
    shift
  done
  [ "$quiet" = 1 ] || return 1
  # Only regexes that mean the same in awk's ERE as in JavaScript (no escapes, no classes).
  case $name in *[!A-Za-z0-9_.\|\(\)^\$*+?-]*) return 1 ;; esac
  case $state in *[!a-z]*) return 1 ;; esac
  return 0
}

tsv="${KUBEDR_LAB_NODE%/*}/pods.tsv"
parse "$@" && [ -r "$tsv" ] || slow "$@"
# Columns: id, container name, state. As crictl.js: --state picks that state (any case), else
# -a every row, else the running ones; --name is a search (unanchored) in the name.
exec awk -F '\t' -v re="$name" -v st="$state" -v all="$all" '
  (st != "" ? tolower($3) == st : (all == 1 || $3 == "Running")) && (re == "" || $2 ~ re) { print substr($1, 1, 13) }
' "$tsv"
