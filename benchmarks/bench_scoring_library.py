"""Time the scoring library on synthetic data of the province's shape.

Shape: n respondents × 19 criteria (5 elements), 100 agencies as strata, 300 counters, 12 districts,
1 province, post-stratified to agency × field of procedure (8 fields). Everything is scored at every level
(criteria, elements, overall; Korn–Graubard intervals; decisions against 90%).

Run:  python benchmarks/bench_scoring_library.py [--sizes 100000 1000000] [--big] [--against REV]

``--against REV`` times the same work with the scoring library of git revision REV (checked out into a
temporary work tree and run in a child process, one after the other on the same data), and prints the ratio:
how much the current library's safeguards (collapsing sparse post-strata, the design-effect floor, the
reliability rules) cost against that revision.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

import scoring
from scoring import Design, IndexSpec, base_weights, poststratify, score

ROOT = Path(__file__).resolve().parent.parent

N_AGENCIES, N_COUNTERS, N_DISTRICTS, N_FIELDS = 100, 300, 12, 8
ELEMENTS = {"access": 4, "procedure": 4, "staff": 5, "result": 3, "feedback": 3}


def make_spec() -> IndexSpec:
    return IndexSpec.from_elements({e: [f"{e}_{i}" for i in range(k)] for e, k in ELEMENTS.items()})


def make_data(n: int, seed: int = 20240601) -> dict[str, np.ndarray]:
    """Synthetic respondents; agencies of very different sizes, skipped answers, ~88% satisfied."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0.0, 1.0, N_AGENCIES)
    agency = rng.choice(N_AGENCIES, size=n, p=size / size.sum())
    counter = agency * 3 + rng.integers(0, 3, n)
    district = agency % N_DISTRICTS
    field = rng.integers(0, N_FIELDS, n)
    k = sum(ELEMENTS.values())
    level = np.clip(rng.normal(0.88, 0.05, N_AGENCIES), 0.5, 0.99)[agency]
    u = rng.random((n, k), dtype=np.float32)
    codes = np.where(u < level[:, None], 4 + (u < level[:, None] / 2), 1 + (u * 3).astype(np.uint8) % 3)
    codes = codes.astype(np.uint8)
    codes[rng.random((n, k), dtype=np.float32) < 0.08] = 0
    volume = rng.uniform(2_000, 50_000, N_AGENCIES)
    cell = agency * N_FIELDS + field
    present = np.bincount(cell, minlength=N_AGENCIES * N_FIELDS) > 0
    totals = np.where(present, rng.uniform(50, 5_000, N_AGENCIES * N_FIELDS), 0.0)
    return {
        "codes": codes,
        "agency": agency,
        "counter": counter,
        "district": district,
        "province": np.zeros(n, dtype=np.int64),
        "cell": cell,
        "totals": totals,
        "volume": volume,
    }


def run(data: dict[str, np.ndarray], spec: IndexSpec):
    cell, totals = data["cell"], data["totals"]
    if hasattr(scoring, "collapse_cells"):  # sparse post-strata are collapsed before calibrating
        parent = np.repeat(np.arange(N_AGENCIES), N_FIELDS)
        collapsed = scoring.collapse_cells(cell, parent, totals)
        cell, totals = collapsed.cell, collapsed.total
    calibration = poststratify(cell, totals, base_weights(data["agency"], data["volume"]))
    design = Design(strata=data["agency"], calibration=calibration)
    levels = {k: data[k] for k in ("counter", "agency", "district", "province")}
    return score(data["codes"], spec, design, levels, method="beta", confidence=0.95, target=0.90)


def floor(data: dict[str, np.ndarray]) -> np.ndarray:
    """One bincount pass: satisfied answers per agency × criterion."""
    codes = data["codes"]
    k = codes.shape[1]
    satisfied = codes >= 4
    key = (data["agency"][:, None] * k + np.arange(k)).ravel()
    return np.bincount(key, weights=satisfied.ravel(), minlength=N_AGENCIES * k)


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def baseline_times(revision: str, sizes: list[int], repeat: int) -> dict[int, float]:
    """Seconds to score each size with the library of ``revision`` (a temporary git work tree)."""
    with tempfile.TemporaryDirectory() as tree:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", tree, revision], check=True)
        try:
            script = Path(tree) / "benchmarks" / "bench_scoring_library.py"
            script.write_text((ROOT / "benchmarks" / "bench_scoring_library.py").read_text())
            out = subprocess.run(
                [sys.executable, str(script), "--times-only", "--repeat", str(repeat), "--sizes", *map(str, sizes)],
                check=True,
                capture_output=True,
                text=True,
                cwd=tree,
                env={**os.environ, "PYTHONPATH": tree},
            ).stdout
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", tree], check=True)
    return {int(k): v for k, v in json.loads(out.strip().splitlines()[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--big", action="store_true", help="also run 5,000,000 respondents")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", metavar="REV", help="also time the scoring library of this git revision")
    parser.add_argument("--times-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [*args.sizes, 5_000_000] if args.big else args.sizes
    spec = make_spec()
    if args.times_only:
        times = {}
        for n in sizes:
            data = make_data(n)
            times[n] = best_of(lambda d=data: run(d, spec), args.repeat)
        print(json.dumps(times))
        return
    against = baseline_times(args.against, sizes, args.repeat) if args.against else {}
    if against:
        print(f"against {args.against}: seconds to score every level with that revision's library")
    print(f"{'respondents':>12} {'score (s)':>10} {'floor (s)':>10} {'ratio':>6} {'peak MiB':>9}  estimates")
    for n in sizes:
        data = make_data(n)
        elapsed = best_of(lambda d=data: run(d, spec), args.repeat)
        base = best_of(lambda d=data: floor(d), args.repeat)
        tracemalloc.start()
        result = run(data, spec)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        count = sum(level.estimate.size for level in result.levels.values())
        line = f"{n:>12,} {elapsed:>10.3f} {base:>10.3f} {elapsed / base:>6.1f} {peak:>9.0f}  {count:,}"
        if n in against:
            line += f"   {args.against}: {against[n]:.3f} s, now/then {elapsed / against[n]:.3f}"
        print(line)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS (data generation included): {rss:.0f} MiB")


if __name__ == "__main__":
    main()
