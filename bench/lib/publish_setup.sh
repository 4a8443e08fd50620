# Sourced by publish.sh and gc.sh, which time what follows a full publish of a generated
# journal to a local bare repository.
#
# publish_setup SCRIPT PREFIX [N]: the knobs (N, default 10000; RUNS=3, SEED=1), the wol
# binary (WOL, else a `cargo build --release`), a sealed environment, and the journal
# bench-work/PREFIX-journal-N-sSEED with its remote PREFIX-remote-N.git (J, REMOTE, BASE:
# the generated commit).
publish_setup() {
    local script=$1 prefix=$2
    N="${3:-10000}"
    RUNS="${RUNS:-3}"
    SEED="${SEED:-1}"
    [[ $N =~ ^[0-9]+$ ]] || { echo "bench/$script: N must be a number: $N" >&2; exit 2; }
    if [[ -z "${WOL:-}" ]]; then
        (cd "$ROOT" && cargo build --release --quiet)
        WOL="$ROOT/target/release/wol"
    fi
    export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
    export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share"
    export WOL_NOW="2026-11-22T18:00:00+01:00" WOL_AUTHOR="Bench Author"
    mkdir -p "$HOME"
    J="$WORK/$prefix-journal-$N-s$SEED"
    REMOTE="$WORK/$prefix-remote-$N.git"
    # shellcheck source=journal.sh
    source "$BENCH/lib/journal.sh"
    generated_journal "$J" "$N" "$SEED"
    BASE="$(cat "$J/.git/bench-base")"
}

# unpublished: the journal at its generated commit, with no render cache and no published
# refs, and a fresh bare remote as its partner `bench`.
unpublished() {
    git -C "$J" reset -q --hard "$BASE"
    git -C "$J" for-each-ref --format='%(refname)' refs/wol/ | xargs -r -n1 git -C "$J" update-ref -d
    rm -rf "$J/.wol/cache" "$REMOTE"
    git init -q --bare -b main "$REMOTE"
    "$WOL" --journal "$J" -q partner add bench "$REMOTE"
}

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
