#!/usr/bin/env bash
# Packing benchmark: after a full publish of a generated journal (which leaves every
# object it wrote loose), time `wol gc` against git's own packing of the same loose
# objects, `git repack -d -l` (what `git gc --auto` runs for them), and report the files
# and bytes before and after.
#
#   bench/gc.sh [N]            default N=10000 entries
#
# Each run: reset the journal to its generated commit, drop the render cache and the
# published refs, full publish to a fresh bare remote (gc.auto is 0 in the bench
# journals, so nothing packs by itself), copy .git/objects aside; time `wol gc`; put the
# copy back; time `git repack -d -l`.
#
# Knobs: RUNS=3, SEED=1, WOL=path (skip the cargo build), BENCH_WORK=dir.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
WORK="${BENCH_WORK:-$ROOT/bench-work}"
# shellcheck source=lib/publish_setup.sh
source "$BENCH/lib/publish_setup.sh"
publish_setup gc.sh gc "${1:-}"
SAVED="$WORK/gc-objects-$N"

# loose count and on-disk KB, then pack KB, from git count-objects.
objects() { git -C "$J" count-objects -v | awk '/^count:/ {c=$2} /^size:/ {s=$2} /^size-pack:/ {p=$2} END {print c, s, p}'; }

wol_ms=() git_ms=()
for run in $(seq 1 "$RUNS"); do
    rm -rf "$SAVED"
    unpublished
    # Every run starts from the generated pack alone: what earlier runs packed goes.
    git -C "$J" repack -q -a -d
    git -C "$J" prune --expire=now
    "$WOL" --journal "$J" -q publish
    cp -a "$J/.git/objects" "$SAVED"
    read -r loose loose_kb pack_kb_before < <(objects)
    sync

    t0=$(now_ns); "$WOL" --journal "$J" -q gc; t1=$(now_ns)
    wol_ms+=($(( (t1 - t0) / 1000000 )))
    read -r left _ wol_pack_kb < <(objects)
    [[ $left == 0 ]] || { echo "wol gc left $left loose objects" >&2; exit 1; }
    git -C "$J" fsck --connectivity-only --no-progress 2>/dev/null >/dev/null

    rm -rf "$J/.git/objects" && mv "$SAVED" "$J/.git/objects"
    sync
    t0=$(now_ns); git -C "$J" repack -q -d -l; t1=$(now_ns)
    git_ms+=($(( (t1 - t0) / 1000000 )))
    git -C "$J" prune-packed
    read -r _ _ git_pack_kb < <(objects)
done

w=$(printf '%s\n' "${wol_ms[@]}" | median)
g=$(printf '%s\n' "${git_ms[@]}" | median)
echo "gc benchmark: $N entries, after a full publish, $RUNS runs, $(nproc) cores, $(uname -sr)"
echo "  loose objects        $loose ($((loose_kb / 1024)) MB on disk); packs before: $((pack_kb_before / 1024)) MB"
echo "  wol gc               median ${w} ms   (runs: ${wol_ms[*]}); packs after: $((wol_pack_kb / 1024)) MB"
echo "  git repack -d -l     median ${g} ms   (runs: ${git_ms[*]}); packs after: $((git_pack_kb / 1024)) MB"
awk -v w="$w" -v g="$g" 'BEGIN { printf "  wol gc / git repack = %.2fx\n", w/g }'
