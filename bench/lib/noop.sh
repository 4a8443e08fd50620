#!/usr/bin/env bash
# Timed by bench/run.sh: the cost of the wrappers alone (bash start, counter file,
# reading the body) — what wol_log.sh and git_floor.sh spend besides their real work.
# usage: noop.sh COUNTER_FILE BODY_FILE
set -e
i=0
{ read -r i <"$1"; } 2>/dev/null || true
i=$((i + 1))
echo "$i" >"$1"
body=$(<"$2")
