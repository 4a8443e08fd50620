#!/usr/bin/env bash
# Timed by bench/run.sh: the git CLI floor for "add one committed entry":
# write one entry file (front matter + the same ~470-byte body wol gets), `git add`
# it and `git commit`. Mirrors wol_log.sh: same bash start, same counter handling.
# usage: git_floor.sh JOURNAL COUNTER_FILE BODY_FILE
set -e
cd "$1"
i=0
{ read -r i <"$2"; } 2>/dev/null || true
i=$((i + 1))
echo "$i" >"$2"
body=$(<"$3")
printf -v dir '%(entries/%Y/%m)T' -1
printf -v stamp '%(%Y-%m-%d-%H%M)T' -1
printf -v iso '%(%Y-%m-%dT%H:%M:%S%z)T' -1
iso="${iso:0:22}:${iso:22}"
[[ -d $dir ]] || mkdir -p "$dir"
# "floor" in the name: wol_log.sh's entries are "bench-entry-N", and the two must never
# write the same file.
f="$dir/$stamp-bench-floor-entry-$i.md"
printf '+++\ntitle = "Bench floor entry %s"\ndate = %s\nkind = "progress"\ntags = ["docs"]\nvisibility = "public"\nauthor = "Bench"\n+++\n\n%s\n' \
    "$i" "$iso" "$body" >"$f"
git add -- "$f"
git commit -q -m "log: Bench floor entry $i"
