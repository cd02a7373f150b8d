"""Generate the seeded respondent data behind ``make_reference.R`` (run from the repository root).

    python tests/scoring/reference/make_data.py && Rscript tests/scoring/reference/make_reference.R

Writes ``respondents.csv`` (one row per respondent; answer 0 = skipped), ``cells.csv`` (agency × field
post-stratification totals), ``agency_volume.csv`` (base-weight volumes), ``field_totals.csv`` (a raking
margin) and ``spec.json`` (criteria, elements, weights). Shape: 4 districts, 12 agencies with 1 to 300
respondents (agency 0 has a single respondent; agency 2 is 100% satisfied), 1–2 counters per agency,
3 fields of procedure, 6 criteria in 3 elements, skipped answers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20250601
SIZES = [1, 3, 8, 15, 25, 40, 60, 90, 120, 200, 250, 300]
N_DISTRICTS, N_FIELDS = 4, 3
SPEC = {
    "elements": {"e1": ["q1", "q2"], "e2": ["q3", "q4", "q5"], "e3": ["q6"]},
    "item_weights": {"q3": 2.0},
    "element_weights": {"e2": 2.0},
}


def main() -> None:
    rng = np.random.default_rng(SEED)
    agency = np.repeat(np.arange(len(SIZES)), SIZES)
    n = agency.size
    district = agency % N_DISTRICTS
    counter = agency * 2 + np.where(agency == 0, 0, rng.integers(0, 2, n))
    field = rng.integers(0, N_FIELDS, n)
    field[agency == 1] = 0  # a small agency seen in one field only
    level = np.array([0.5, 0.7, 1.0, 0.6, 0.95, 0.8, 0.9, 0.85, 0.92, 0.88, 0.75, 0.97])[agency]
    items = [i for group in SPEC["elements"].values() for i in group]
    codes = np.zeros((n, len(items)), dtype=int)
    for k in range(len(items)):
        satisfied = rng.random(n) < np.clip(level + rng.normal(0, 0.04, n) * (level < 1), 0, 1)
        codes[:, k] = np.where(satisfied, rng.integers(4, 6, n), rng.integers(1, 4, n))
        skip = rng.random(n) < (0.4 if items[k] == "q6" else 0.1)
        skip[agency == 0] = False
        codes[skip, k] = 0
    codes[agency == 3, 5] = 0  # criterion q6 never answered in agency 3

    with open(HERE / "respondents.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "agency", "district", "counter", "field", *items])
        for i in range(n):
            out.writerow([i, agency[i], district[i], counter[i], field[i], *codes[i]])

    cell = agency * N_FIELDS + field
    present = np.bincount(cell, minlength=len(SIZES) * N_FIELDS) > 0
    totals = np.where(present, np.round(rng.uniform(50, 3000, present.size)), 0.0)
    with open(HERE / "cells.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["cell", "agency", "field", "Freq"])
        for c in range(present.size):
            out.writerow([c, c // N_FIELDS, c % N_FIELDS, f"{totals[c]:.1f}"])
    volume = np.round(rng.uniform(200, 8000, len(SIZES)))
    with open(HERE / "agency_volume.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["agency", "volume"])
        out.writerows([a, f"{v:.1f}"] for a, v in enumerate(volume))
    # Field margin: the cells' field totals, tilted, then scaled to the agency grand total.
    by_field = np.bincount(np.arange(present.size) % N_FIELDS, weights=totals)
    tilted = by_field * np.array([1.3, 0.8, 1.0])
    tilted *= totals.sum() / tilted.sum()
    with open(HERE / "field_totals.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["field", "Freq"])
        out.writerows([f, repr(float(t))] for f, t in enumerate(tilted))
    (HERE / "spec.json").write_text(json.dumps(SPEC, indent=2) + "\n")


if __name__ == "__main__":
    main()
