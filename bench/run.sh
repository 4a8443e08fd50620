#!/usr/bin/env bash
# wol benchmarks: wol against the git CLI and ripgrep baselines, in the same run.
#
#   bench/run.sh [SIZES...]          default: 10000 100000
#
# Builds `cargo build --release`, installs hyperfine and ripgrep (apt) if missing,
# generates journals under bench-work/journal-N (reused when the size and seed match,
# reset to the generated commit first), runs hyperfine on each size and writes the
# medians and ratios to bench/results/latest.md (also printed).
#
# Environment knobs:
#   RUNS=20 WARMUP=3   hyperfine runs / warm-up runs per command
#   SEED=1             journal generator seed
#   WOL=path           use this wol binary and skip the cargo build
#   BENCH_WORK=dir     where journals and raw results go (default: bench-work/)
#   NEWEST=1000        entries in the newest month of the second `list` journal (0: skip)
#
# What is measured (hyperfine -N: no shell, median wall time of the whole process):
#   add      bash lib/wol_log.sh  -> wol --journal J log "Bench entry N\n\n<body>"
#            bash lib/git_floor.sh -> write the entry file, git add, git commit -q
#            bash lib/noop.sh     -> the wrappers' own cost (bash start, counter)
#            wol log again with index.skipHash=true (info: the index without its SHA-1)
#   list     wol --journal J list -n 10                 (target <= 10 ms)
#            the same on journal-N-m1000: 1,000 entries in the newest month (<= 10 ms)
#   search   wol --journal J search zanzibar  vs  rg -l zanzibar entries/
#            wol --journal J search community vs  rg -l community entries/
#            (target <= 0.5x rg at 10k, <= 0.2x at 100k; warm entry cache in .wol/cache/)
#            wol search zanzibar with the entry cache deleted before every run (info:
#            the first run after a clone, an upgrade or `rm -r .wol/cache`)
#   digest   wol --journal J digest --week 2026-W47     (flat across sizes)
#   memory   each of the above once under /usr/bin/time -f %M (max RSS, target <= 100 MB),
#            and `wol list` without -n (every entry printed)
# Every `add` run commits a new entry; the journal is reset to the generated commit at
# the start of the next harness run. Reading commands run before the adds.
# A wol subcommand whose `--help` fails is skipped ("skipped: wol X not available").
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
WORK="${BENCH_WORK:-$ROOT/bench-work}"
RUNS="${RUNS:-20}"
WARMUP="${WARMUP:-3}"
SEED="${SEED:-1}"
NEWEST="${NEWEST:-1000}"
if [[ $# -gt 0 ]]; then SIZES=("$@"); else SIZES=(10000 100000); fi
for n in "${SIZES[@]}"; do
    [[ $n =~ ^[0-9]+$ ]] || { echo "bench/run.sh: size must be a number: $n" >&2; exit 2; }
done

say() { printf '\n== %s\n' "$*" >&2; }

# ---- tools ------------------------------------------------------------------------
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v rg >/dev/null || need_apt+=(ripgrep)
if [[ ${#need_apt[@]} -gt 0 ]]; then
    say "installing ${need_apt[*]}"
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get install -y -q "${need_apt[@]}" >&2 ||
        { $SUDO apt-get update -q >&2 && $SUDO apt-get install -y -q "${need_apt[@]}" >&2; }
fi
for t in hyperfine rg git python3; do
    command -v "$t" >/dev/null || { echo "bench/run.sh: $t is required" >&2; exit 1; }
done

# ---- wol --------------------------------------------------------------------------
if [[ -n ${WOL:-} ]]; then
    if [[ -x $WOL ]]; then
        WOL="$(realpath "$WOL")"
    else
        echo "bench/run.sh: WOL=$WOL is not an executable: running the baselines only" >&2
        WOL=""
    fi
else
    say "cargo build --release"
    if (cd "$ROOT" && cargo build --release >&2); then
        WOL="$(realpath "${CARGO_TARGET_DIR:-$ROOT/target}/release/wol")"
    else
        echo "bench/run.sh: cargo build --release failed: running the baselines only" >&2
        WOL=""
    fi
fi

mkdir -p "$WORK"
WORK="$(realpath "$WORK")"
RESULTS="$WORK/results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
cut -d' ' -f1-3 /proc/loadavg >"$RESULTS/loadavg.start" 2>/dev/null || true

# The benchmark environment: no user or system git config, an empty HOME, a fixed
# author; "now" is the real clock.
BENCH_HOME="$(mktemp -d)"
trap 'rm -rf "$BENCH_HOME"' EXIT
export HOME="$BENCH_HOME" GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 WOL_AUTHOR=Bench LC_ALL=C
unset WOL_NOW WOL_DIR XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME GIT_DIR GIT_WORK_TREE \
    GIT_INDEX_FILE GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
    GIT_AUTHOR_DATE GIT_COMMITTER_DATE

# wol_has SUBCOMMAND: does this wol have it?
wol_has() { [[ -n $WOL && -x $WOL ]] && "$WOL" "$1" --help >/dev/null 2>&1; }

# skip RESULT_DIR NAME MESSAGE
skip() { echo "$3" >"$1/$2.status"; echo "$3" >&2; }

# hf RESULT_DIR NAME [hyperfine args...]: one hyperfine run, exported as NAME.json.
hf() {
    local dir=$1 name=$2
    shift 2
    if hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
        --export-json "$dir/$name.json" "$@" >&2; then
        echo ok >"$dir/$name.status"
    else
        skip "$dir" "$name" "failed: hyperfine exited non-zero (see the output above)"
        rm -f "$dir/$name.json"
    fi
}

# ---- journals ---------------------------------------------------------------------
# prepare_journal N [M]: bench-work/journal-N (journal-N-mM: M entries in the newest
# month) at its generated state; prints its path.
prepare_journal() {
    local n=$1 m=${2:-} name="journal-$1${2:+-m$2}"
    local j="$WORK/$name" marker="$WORK/$name.gen"
    if [[ -d $j/.git && -f $marker ]] && read -r mn mseed msha <"$marker" &&
        [[ $mn == "$n" && $mseed == "$SEED" ]] &&
        git -C "$j" cat-file -e "$msha^{commit}" 2>/dev/null; then
        say "reusing $j (resetting to the generated commit)"
        git -C "$j" reset -q --hard "$msha"
        git -C "$j" clean -fdq -- entries digests
    else
        say "generating $j ($n entries)"
        rm -rf "$j" "$marker"
        local t0=$SECONDS
        python3 "$BENCH/gen_journal.py" "$j" "$n" --seed "$SEED" ${m:+--newest-month "$m"} >&2
        echo "$n $SEED $(git -C "$j" rev-parse HEAD)" >"$marker"
        echo "generated in $((SECONDS - t0)) s" >&2
    fi
    # (Journals generated before gen_journal.py set it.)
    git -C "$j" config gc.auto 0
    if [[ -n $(git -C "$j" status --porcelain) ]]; then
        echo "bench/run.sh: $j is not clean" >&2
        exit 1
    fi
    # wol's entry cache re-reads files changed less than 2 s before it saw them (they
    # could change again unseen within the file system's timestamp granularity): let
    # the files just written age, as they have in a journal people use.
    sleep 2.1
    printf '%s\n' "$j"
}

# ---- benchmarks -------------------------------------------------------------------
for n in "${SIZES[@]}"; do
    J="$(prepare_journal "$n")"
    R="$RESULTS/$n"
    mkdir -p "$R"
    cd "$J"
    say "$n entries: list, search, digest"

    if wol_has list; then
        hf "$R" list -n "wol list -n 10" "$WOL --journal $J list -n 10"
        if [[ $NEWEST -gt 0 && $n -ge $NEWEST ]]; then
            JM="$(prepare_journal "$n" "$NEWEST")"
            hf "$R" list-newest -n "wol list -n 10" "$WOL --journal $JM list -n 10"
            echo "newest=$NEWEST" >"$R/list-newest.counts"
        fi
    else
        skip "$R" list "skipped: wol list not available"
    fi

    for word in zanzibar community; do
        if wol_has search; then
            hf "$R" "search-$word" \
                -n "wol search $word" "$WOL --journal $J search $word" \
                -n "rg -l $word entries/" "rg -l $word entries/"
            if [[ $word == zanzibar ]]; then
                hf "$R" search-cold --prepare "rm -rf $J/.wol/cache" \
                    -n "wol search $word, no cache" "$WOL --journal $J search $word"
            fi
            # How many hits each side reports (a sanity check that both do the same job).
            {
                echo "rg_files=$(rg -l "$word" entries/ | wc -l)"
                echo "wol_lines=$("$WOL" --journal "$J" search "$word" 2>/dev/null | wc -l)"
            } >"$R/search-$word.counts"
        else
            skip "$R" "search-$word-wol" "skipped: wol search not available"
            hf "$R" "search-$word" -n "rg -l $word entries/" "rg -l $word entries/"
        fi
    done

    if wol_has digest; then
        hf "$R" digest -n "wol digest --week 2026-W47" "$WOL --journal $J digest --week 2026-W47"
    else
        skip "$R" digest "skipped: wol digest not available"
    fi

    say "$n entries: peak memory"
    if [[ -x /usr/bin/time && -n $WOL ]]; then
        for args in "list -n 10" "list" "search zanzibar" "search community" "digest --week 2026-W47" "log Peak-memory-entry"; do
            # shellcheck disable=SC2086
            /usr/bin/time -f '%M' -o "$R/rss.tmp" "$WOL" --journal "$J" $args >/dev/null 2>&1 || true
            kb=$(tail -1 "$R/rss.tmp")
            echo "wol $args $kb" >>"$R/rss.txt"
        done
        git -C "$J" reset -q --hard HEAD~1 # the peak-memory entry
    fi

    say "$n entries: add one committed entry"
    msgflag=""
    if wol_has log && "$WOL" log --help 2>/dev/null | grep -qE -- '-m, --message'; then
        msgflag="-m"
    fi
    for c in wol git noop; do : >"$WORK/counter-$c"; done
    before=$(git -C "$J" ls-files entries | wc -l)
    add_args=()
    if wol_has log; then
        add_args+=(-n "wol log" "bash $BENCH/lib/wol_log.sh $WOL $J $WORK/counter-wol $BENCH/lib/body.txt $msgflag")
    else
        skip "$R" add-wol "skipped: wol log not available"
    fi
    add_args+=(-n "git floor (write + git add + git commit)" "bash $BENCH/lib/git_floor.sh $J $WORK/counter-git $BENCH/lib/body.txt")
    add_args+=(-n "bash wrapper alone" "bash $BENCH/lib/noop.sh $WORK/counter-noop $BENCH/lib/body.txt")
    hf "$R" add "${add_args[@]}"
    if [[ -n $(git -C "$J" status --porcelain) ]]; then
        echo "WARNING: $J is not clean after the add benchmark:" >&2
        git -C "$J" status --porcelain | head -5 >&2
        git -C "$J" status --porcelain >"$R/add.dirty"
    fi
    # Every timed or warm-up run of each add command must have committed one new file.
    after=$(git -C "$J" ls-files entries | wc -l)
    sides=1 # the git floor, plus wol log when it ran
    [[ ${#add_args[@]} -eq 9 ]] && sides=2
    expected=$((before + sides * (WARMUP + RUNS)))
    echo "before=$before after=$after expected=$expected" >"$R/add.check"
    if [[ $after -ne $expected && -f $R/add.json ]]; then
        echo "WARNING: $after entries committed after the add benchmark, expected $expected" >&2
    fi
    # The same with index.skipHash (git >= 2.40, or feature.manyFiles): the index is
    # then written without its SHA-1 trailer, which wol honours but does not switch on.
    if wol_has log; then
        git -C "$J" config index.skipHash true
        hf "$R" add-skiphash -n "wol log" "bash $BENCH/lib/wol_log.sh $WOL $J $WORK/counter-wol $BENCH/lib/body.txt $msgflag"
        git -C "$J" config --unset index.skipHash
        git -C "$J" update-index --refresh -q >/dev/null || true
    fi
    cd "$ROOT"
done

# ---- report -----------------------------------------------------------------------
mkdir -p "$BENCH/results"
python3 "$BENCH/report.py" --results "$RESULTS" --wol "${WOL:-}" --root "$ROOT" \
    --runs "$RUNS" --warmup "$WARMUP" --seed "$SEED" --out "$BENCH/results/latest.md" "${SIZES[@]}"

# ---- the other rows of issue 12: init over an existing folder, one-entry publish, the
# writing commands' memory; and packing. Skipped with SKIP_INIT=1 / SKIP_PUBLISH=1 /
# SKIP_MEMORY=1 / SKIP_GC=1 (each takes minutes at 100k entries).
if [[ ${SKIP_INIT:-0} != 1 && -n ${WOL:-} ]]; then
    say "wol init over existing folders (bench/init.sh)"
    WOL="$WOL" BENCH_WORK="$WORK" RUNS="${INIT_RUNS:-3}" "$BENCH/init.sh" "${SIZES[@]}" ||
        echo "bench/run.sh: bench/init.sh failed" >&2
fi
if [[ ${SKIP_PUBLISH:-0} != 1 && -n ${WOL:-} ]]; then
    say "one-entry publish (bench/publish.sh 10000)"
    WOL="$WOL" BENCH_WORK="$WORK" "$BENCH/publish.sh" 10000 ||
        echo "bench/run.sh: bench/publish.sh failed" >&2
fi
if [[ ${SKIP_GC:-0} != 1 && -n ${WOL:-} ]]; then
    say "packing after a full publish (bench/gc.sh 10000)"
    WOL="$WOL" BENCH_WORK="$WORK" "$BENCH/gc.sh" 10000 ||
        echo "bench/run.sh: bench/gc.sh failed" >&2
fi
# The writing commands' peak memory (publish, init, export, doctor, digest --write) at
# the largest size: SKIP_MEMORY=1 skips it (a full publish of 100k entries takes ~75 s).
if [[ ${SKIP_MEMORY:-0} != 1 && -n ${WOL:-} ]]; then
    biggest=$(printf '%s\n' "${SIZES[@]}" | sort -n | tail -1)
    say "peak memory of the writing commands (bench/memory.sh $biggest)"
    WOL="$WOL" BENCH_WORK="$WORK" "$BENCH/memory.sh" "$biggest" ||
        echo "bench/run.sh: bench/memory.sh failed" >&2
fi
