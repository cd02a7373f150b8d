"""Generate the seeded sparse-post-strata data behind ``make_collapsed_reference.R``.

Run from the repository root (``-m`` so that this checkout's ``scoring`` is imported), then R::

    python -m tests.scoring.reference.make_sparse_data
    Rscript tests/scoring/reference/make_collapsed_reference.R

Shape: 6 agencies (4, 9, 17, 45, 110 and 160 respondents) × 4 fields of procedure = 24 post-strata,
several holding 0–3 respondents; agency 0's four respondents sit alone in one field each. Two districts
(agency mod 2). Six 5-point criteria in two elements of three (equal weights, so the overall index is
the mean of the six), about 8% skipped answers (20% for q6; none in agency 0). One post-stratum
(agency 2, field 3) has neither respondents nor population; four others have population but no
respondent.

Writes

* ``sparse_respondents.csv``: one row per respondent (answer 0 = skipped), with its original
  post-stratum ``cell`` (agency × 4 + field) and its collapsed post-stratum under each design;
* ``sparse_cells.csv``: the original post-strata, their population totals and respondent counts;
* ``sparse_volume.csv``: each agency's volume, for the base weights;
* ``sparse_poststrata.csv``: the collapsed post-strata of both designs, from :func:`scoring.collapse_cells`:
  ``collapsed`` (``min_count = 20``, the rule) and ``minimal`` (``min_count = 1``: only cells without a
  respondent are merged, the least R's ``postStratify`` can run with; agency 0 keeps four singletons).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from scoring import collapse_cells

HERE = Path(__file__).resolve().parent
SEED = 20250917
N_FIELDS = 4
ITEMS = ("q1", "q2", "q3", "q4", "q5", "q6")
#: Respondents per agency (rows) and field (columns).
COUNTS = np.array(
    [
        [1, 1, 1, 1],  # 4: every respondent alone in its cell
        [6, 3, 0, 0],  # 9: two empty cells with population
        [10, 5, 2, 0],  # 17: the last cell has no population either
        [22, 21, 2, 0],  # 45: the pool (2) joins the smaller big cell (21)
        [50, 35, 16, 9],  # 110: the pool (25) is a cell of its own
        [85, 50, 24, 1],  # 160: the pool (1) joins the smallest big cell (24)
    ]
)
#: Agency 0's answers, fixed so that every criterion is mixed (0 < p < 1) and nothing is skipped.
AGENCY_0 = np.array(
    [
        [5, 5, 4, 5, 4, 5],
        [2, 1, 3, 2, 4, 2],
        [4, 5, 2, 4, 3, 5],
        [3, 4, 4, 2, 2, 1],
    ]
)
LEVEL = np.array([0.5, 0.75, 0.85, 0.8, 0.9, 0.7])  # satisfaction by agency
DESIGNS = {"collapsed": 20, "minimal": 1}


def main(out: Path = HERE) -> None:
    rng = np.random.default_rng(SEED)
    n_agencies = COUNTS.shape[0]
    cell_of = np.arange(COUNTS.size)
    cell = np.repeat(cell_of, COUNTS.reshape(-1))
    agency, field = cell // N_FIELDS, cell % N_FIELDS
    n = cell.size
    district = agency % 2

    codes = np.zeros((n, len(ITEMS)), dtype=int)
    for k, item in enumerate(ITEMS):
        p = np.clip(LEVEL[agency] + rng.normal(0, 0.05, n), 0, 1)
        satisfied = rng.random(n) < p
        codes[:, k] = np.where(satisfied, rng.integers(4, 6, n), rng.integers(1, 4, n))
        skip = rng.random(n) < (0.2 if item == "q6" else 0.08)
        codes[skip, k] = 0
    codes[agency == 0] = AGENCY_0

    totals = np.round(rng.uniform(50, 2000, COUNTS.size))
    totals[2 * N_FIELDS + 3] = 0.0  # agency 2, field 3: no population, no respondent
    volume = np.round(rng.uniform(500, 6000, n_agencies))

    parent = cell_of // N_FIELDS
    collapsed = {name: collapse_cells(cell, parent, totals, m) for name, m in DESIGNS.items()}

    with open(out / "sparse_respondents.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "agency", "district", "field", "cell", *(f"cell_{d}" for d in DESIGNS), *ITEMS])
        for i in range(n):
            w.writerow(
                [i, agency[i], district[i], field[i], cell[i], *(c.cell[i] for c in collapsed.values()), *codes[i]]
            )
    counts = np.bincount(cell, minlength=COUNTS.size)
    with open(out / "sparse_cells.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["cell", "agency", "field", "n", "Freq"])
        w.writerows([c, c // N_FIELDS, c % N_FIELDS, counts[c], f"{totals[c]:.1f}"] for c in cell_of)
    with open(out / "sparse_volume.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["agency", "volume"])
        w.writerows([a, f"{v:.1f}"] for a, v in enumerate(volume))
    with open(out / "sparse_poststrata.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["design", "min_count", "pcell", "agency", "members", "merged", "n", "Freq"])
        for name, c in collapsed.items():
            for r, members in enumerate(c.members):
                w.writerow(
                    [
                        name,
                        c.min_count,
                        r,
                        c.parent[r],
                        " ".join(map(str, members)),
                        "TRUE" if c.merged[r] else "FALSE",
                        c.counts[r],
                        f"{c.total[r]:.1f}",
                    ]
                )


if __name__ == "__main__":
    main(Path(os.environ.get("REFERENCE_OUT", HERE)))
