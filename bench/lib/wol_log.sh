#!/usr/bin/env bash
# Timed by bench/run.sh: add one entry with `wol log`, committed by wol.
# usage: wol_log.sh WOL JOURNAL COUNTER_FILE BODY_FILE [MESSAGE_FLAG]
# A counter makes each run's title unique (no slug clash); the body is ~470 bytes,
# the same text the git floor writes. Only bash builtins run before `exec`, so the
# extra cost over a bare `wol log` is one bash start (measured as "bash wrapper").
set -e
i=0
{ read -r i <"$3"; } 2>/dev/null || true
i=$((i + 1))
echo "$i" >"$3"
body=$(<"$4")
exec "$1" --journal "$2" log ${5:+"$5"} "Bench entry $i

$body"
