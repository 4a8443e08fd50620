#!/usr/bin/env bash
# `wol sync` at 10,000 entries (10% private), against the git CLI, in one run.
#
#   bench/sync.sh [N]        default: 10000
#
# Three timings (hyperfine, median; a bare repository on the same disk as the remote):
#   one new entry   `wol sync` after one `wol log --private` (fetch, seal one commit, push)
#                   vs `git push` of one new commit of a plain copy of the same journal
#                   (target: <= 2x)
#   first sync      `wol sync` of the whole journal to an empty remote (seals every
#                   private file, pushes everything)
#   sync clone      `wol sync clone` of it on a "second machine" (opens every sealed file,
#                   writes the work tree)
# Results: bench/results/sync.md (also printed).
#
# Environment: RUNS=5, WOL=path (skip the build), BENCH_WORK=dir (default bench-work/).
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
WORK="${BENCH_WORK:-$ROOT/bench-work}"
RUNS="${RUNS:-5}"
N="${1:-10000}"

command -v hyperfine >/dev/null || { sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo;
    $sudo_cmd apt-get install -y -qq hyperfine >/dev/null; }
if [[ -z ${WOL:-} ]]; then
    (cd "$ROOT" && cargo build --release --quiet)
    WOL="${CARGO_TARGET_DIR:-$ROOT/target}/release/wol"
fi

BENCH_HOME="$(mktemp -d)"
trap 'rm -rf "$BENCH_HOME"' EXIT
export HOME="$BENCH_HOME" GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 WOL_AUTHOR=Bench \
    GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=b@x GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=b@x LC_ALL=C \
    WOL_CONFIG_DIR="$BENCH_HOME/wol"
mkdir -p "$WORK/sync"
WORK="$(realpath "$WORK")"
S="$WORK/sync"
OUT="$BENCH/results/sync.md"
median() { python3 -c 'import json,sys; print("%.0f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$1"; }

src="$S/src-$N"
if [[ ! -f $src/wol.toml ]]; then
    rm -rf "$src"
    python3 "$BENCH/gen_journal.py" -q "$src" "$N" --private 0.10
fi
private=$(grep -rl '^visibility = "private"' "$src/entries" | wc -l)

# The journal set up for sync (one machine key for all runs).
j="$S/journal"
rm -rf "$j" "$S/remote.git" "$S/clone"
cp -r "$src" "$j"
git init -q --bare -b main "$S/remote.git"
"$WOL" --journal "$j" sync init "$S/remote.git" -q

# first sync: a fresh empty remote and a fresh .wol/sync each run.
hyperfine -N --runs "$RUNS" --export-json "$S/first.json" \
    --prepare "bash -c 'rm -rf $S/remote.git $j/.wol/sync && git init -q --bare -b main $S/remote.git && (git -C $j update-ref -d refs/wol/sync/remote || true)'" \
    "$WOL --journal $j sync -q" >/dev/null

# sync clone of the synced journal.
hyperfine -N --runs "$RUNS" --export-json "$S/clone.json" \
    --prepare "rm -rf $S/clone" \
    "$WOL sync clone $S/remote.git $S/clone -q" >/dev/null

# One new entry: wol log then wol sync (only the sync is timed).
export WOL_NOW=2026-11-22T18:00:00+01:00
hyperfine -N --runs "$RUNS" --export-json "$S/one.json" \
    --prepare "$WOL --journal $j log -q --private 'One more bench entry'" \
    "$WOL --journal $j sync -q" >/dev/null

# The git floor: a plain copy with a bare remote holding its history; one commit pushed.
g="$S/git"
rm -rf "$g" "$S/git-remote.git"
cp -r "$src" "$g"
git init -q --bare -b main "$S/git-remote.git"
git -C "$g" push -q "$S/git-remote.git" main
cp "$BENCH/lib/body.txt" "$S/body.txt" 2>/dev/null || echo "body" >"$S/body.txt"
hyperfine -N --runs "$RUNS" --export-json "$S/git.json" \
    --prepare "bash -c 'f=$g/entries/2026/11/bench-\$RANDOM\$RANDOM.md; cp $S/body.txt \$f; git -C $g add -A; git -C $g commit -q -m one'" \
    "git -C $g push -q $S/git-remote.git main" >/dev/null

one=$(median "$S/one.json"); gitp=$(median "$S/git.json")
first=$(median "$S/first.json"); clone=$(median "$S/clone.json")
ratio=$(python3 -c "print('%.2f' % ($one / $gitp))")
{
    echo "# wol sync"
    echo
    echo "$(nproc) cores, $(uname -sr), load at start: $(cut -d' ' -f1-3 /proc/loadavg). Median of $RUNS runs."
    echo "Journal: $N entries ($private private, sealed on the remote), history of 2 commits"
    echo "(gen_journal.py --history single). Remote: a bare repository on the same disk."
    echo
    echo "| task | wol | git CLI | ratio |"
    echo "| --- | --- | --- | --- |"
    echo "| sync of one new private entry (target <= 2x git push) | $one ms | git push of one commit: $gitp ms | ${ratio}x |"
    echo "| first sync (everything sealed and pushed) | $first ms | | |"
    echo "| sync clone (everything fetched and opened) | $clone ms | | |"
} >"$OUT"
cat "$OUT"
