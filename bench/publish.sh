#!/usr/bin/env bash
# Publish benchmark: a full publish and a one-entry incremental publish of a generated
# journal to a local bare repository, timed end to end (whole `wol` process).
#
#   bench/publish.sh [N]            default N=10000 entries
#
# Each run: reset the journal to its generated commit, drop the render cache and
# refs/wol/published/*, make a fresh bare remote, then time
#   full         wol publish             (renders every page, pushes everything)
#   unchanged    wol publish             (nothing changed: no commit, no-op push)
#   incremental  wol log "…"; wol publish  (only the publish is timed)
# and print the medians and incremental/full (DESIGN.md target: under 10%). Each timed
# publish starts after a `sync`: the set-up and the publish before it write some 20,000
# files, and without it their writeback ran into the next publish (full publishes of one
# build took 4.9 s with it, 5.2 to 8.7 s without, growing from run to run).
#
# Knobs: RUNS=3, SEED=1, WOL=path (skip the cargo build), BENCH_WORK=dir.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
WORK="${BENCH_WORK:-$ROOT/bench-work}"
N="${1:-10000}"
RUNS="${RUNS:-3}"
SEED="${SEED:-1}"
[[ $N =~ ^[0-9]+$ ]] || { echo "bench/publish.sh: N must be a number: $N" >&2; exit 2; }

if [[ -z "${WOL:-}" ]]; then
    (cd "$ROOT" && cargo build --release --quiet)
    WOL="$ROOT/target/release/wol"
fi

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share"
export WOL_NOW="2026-11-22T18:00:00+01:00" WOL_AUTHOR="Bench Author"
mkdir -p "$HOME"

J="$WORK/publish-journal-$N-s$SEED"
REMOTE="$WORK/publish-remote-$N.git"
# shellcheck source=lib/journal.sh
source "$BENCH/lib/journal.sh"
generated_journal "$J" "$N" "$SEED"
BASE="$(cat "$J/.git/bench-base")"

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

full=() unchanged=() incr=()
for run in $(seq 1 "$RUNS"); do
    git -C "$J" reset -q --hard "$BASE"
    git -C "$J" for-each-ref --format='%(refname)' refs/wol/ | xargs -r -n1 git -C "$J" update-ref -d
    rm -rf "$J/.wol/cache" "$REMOTE"
    git init -q --bare -b main "$REMOTE"
    "$WOL" --journal "$J" -q partner add bench "$REMOTE"

    sync
    t0=$(now_ns); "$WOL" --journal "$J" -q publish; t1=$(now_ns)
    full+=($(( (t1 - t0) / 1000000 )))
    sync
    t0=$(now_ns); "$WOL" --journal "$J" -q publish; t1=$(now_ns)
    unchanged+=($(( (t1 - t0) / 1000000 )))
    "$WOL" --journal "$J" -q log "Benchmark entry $run" -t bench >/dev/null
    sync
    t0=$(now_ns); "$WOL" --journal "$J" -q publish; t1=$(now_ns)
    incr+=($(( (t1 - t0) / 1000000 )))
    [[ "$(git -C "$REMOTE" rev-list --count main)" == 2 ]] || { echo "expected 2 published commits" >&2; exit 1; }
done

f=$(printf '%s\n' "${full[@]}" | median)
u=$(printf '%s\n' "${unchanged[@]}" | median)
i=$(printf '%s\n' "${incr[@]}" | median)
echo "publish benchmark: $N entries, $RUNS runs, $(nproc) cores, $(uname -sr)"
echo "  full publish         median ${f} ms   (runs: ${full[*]})"
echo "  unchanged republish  median ${u} ms   (runs: ${unchanged[*]})"
echo "  one-entry publish    median ${i} ms   (runs: ${incr[*]})"
awk -v i="$i" -v f="$f" -v u="$u" 'BEGIN { printf "  incremental / full = %.1f%%   unchanged / full = %.1f%%   (target: < 10%%)\n", 100*i/f, 100*u/f }'
