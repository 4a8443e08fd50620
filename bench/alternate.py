#!/usr/bin/env python3
"""Time `wol log` of several wol builds against the git floor, alternating the builds.

    python3 bench/alternate.py SIZE ROUNDS WOL [WOL...]

hyperfine (bench/run.sh) runs one command's runs in a row, so a slow spell of a shared
machine can fall on one side only. Here the git floor and the bash wrapper are timed
first, as blocks of ROUNDS runs each. Then come ROUNDS rounds, each running every
WOL build once, in turns: forward in even rounds, backward in odd ones. Every command
goes through the bench's own wrapper scripts (bench/lib/*.sh), on
bench-work/journal-SIZE. Prints each command's median, and each build's ratio to the
git floor with and without the wrapper.

Every run commits an entry: reset the journal first, as bench/run.sh does:
    git -C bench-work/journal-N reset -q --hard $(awk '{print $3}' bench-work/journal-N.gen)
The first wol run after the git floor's commits hashes the whole index (git rewrote
it), so three warm-up rounds come first.
"""
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    size, rounds, builds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    journal = ROOT / "bench-work" / f"journal-{size}"
    body = BENCH / "lib" / "body.txt"
    counters = Path(tempfile.mkdtemp(prefix="wol-alternate-"))

    def command(name: str, i: int = 0) -> list[str]:
        if name == "git floor":
            return ["bash", str(BENCH / "lib/git_floor.sh"), str(journal), str(counters / "git"), str(body)]
        if name == "wrapper":
            return ["bash", str(BENCH / "lib/noop.sh"), str(counters / "noop"), str(body)]
        return ["bash", str(BENCH / "lib/wol_log.sh"), name, str(journal), str(counters / f"wol{i}"), str(body), "-m"]

    def run(cmd: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return (time.perf_counter() - start) * 1e3

    times: dict[str, list[float]] = {}
    for name in ("git floor", "wrapper"):
        for _ in range(3):
            run(command(name))
        times[name] = [run(command(name)) for _ in range(rounds)]
    for b in builds:
        times[b] = []
    for r in range(3 + rounds):
        order = list(enumerate(builds))
        for i, b in order if r % 2 == 0 else reversed(order):
            t = run(command(b, i))
            if r >= 3:
                times[b].append(t)
    median = {k: statistics.median(v) for k, v in times.items()}
    for k, m in median.items():
        print(f"{size:>7}  {k:40s} median {m:8.2f} ms")
    floor, wrapper = median["git floor"], median["wrapper"]
    for b in builds:
        print(f"{size:>7}  ratio {b}: {median[b] / floor:.3f}, without the wrapper {(median[b] - wrapper) / (floor - wrapper):.3f}")


if __name__ == "__main__":
    main()
