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
# shellcheck source=lib/publish_setup.sh
source "$BENCH/lib/publish_setup.sh"
publish_setup publish.sh publish "${1:-}"

full=() unchanged=() incr=()
for run in $(seq 1 "$RUNS"); do
    unpublished

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
