# Sourced by the bench scripts: a generated journal, made once and reused.
#
# generated_journal DIR N SEED: make DIR a journal of N entries from gen_journal.py (seed
# SEED) unless it is one already (a `.bench-generated` marker), and record its generated
# commit in DIR/.git/bench-base, so a run can reset it there.
generated_journal() {
    local dir=$1 n=$2 seed=$3
    if [[ ! -f "$dir/.bench-generated" ]]; then
        rm -rf "$dir"
        python3 "$BENCH/gen_journal.py" "$dir" "$n" --seed "$seed" >/dev/null
        git -C "$dir" rev-parse HEAD >"$dir/.git/bench-base"
        touch "$dir/.bench-generated"
        echo ".bench-generated" >>"$dir/.git/info/exclude"
    fi
    # No packing by itself (git's gc.auto, which wol follows): started in the background
    # after a full publish, it would run into the next timed runs. `wol gc` is timed
    # apart, by bench/gc.sh.
    git -C "$dir" config gc.auto 0
}
