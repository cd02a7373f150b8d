"""Fixtures: the reference data set of ``reference/`` scored under each design R was run with."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from scoring import Design, IndexSpec, Scores, base_weights, poststratify, rake, score

REFERENCE = Path(__file__).resolve().parent / "reference"
LEVELS = ("province", "district", "agency", "counter")


def read_csv(name: str, directory: Path = REFERENCE) -> list[dict[str, str]]:
    with open(directory / name, newline="") as fh:
        return list(csv.DictReader(fh))


def number(text: str) -> float:
    """R's CSV numbers: NA and NaN become nan, Inf stays infinite."""
    return float("nan") if text in ("NA", "NaN") else float(text)


@dataclass(frozen=True)
class ReferenceData:
    spec: IndexSpec
    codes: np.ndarray
    agency: np.ndarray
    field: np.ndarray
    domains: dict[str, np.ndarray]
    cell: np.ndarray
    cell_totals: np.ndarray
    volume: np.ndarray
    agency_totals: np.ndarray
    field_totals: np.ndarray

    def design(self, name: str, lonely: str = "adjust") -> Design:
        base = base_weights(self.agency, self.volume)
        if name == "unweighted":
            return Design(strata=self.agency, lonely=lonely)
        if name == "base":
            return Design(strata=self.agency, weights=base, lonely=lonely)
        if name == "post":
            return Design(
                strata=self.agency, calibration=poststratify(self.cell, self.cell_totals, base), lonely=lonely
            )
        if name == "rake":
            cal = rake(
                [self.agency, self.field],
                [self.agency_totals, self.field_totals],
                base,
                epsilon=1e-12,
                max_iter=100,
            )
            return Design(strata=self.agency, calibration=cal, lonely=lonely)
        raise KeyError(name)


@cache
def load_reference() -> ReferenceData:
    spec_file = json.loads((REFERENCE / "spec.json").read_text())
    spec = IndexSpec.from_elements(
        spec_file["elements"],
        item_weights=spec_file["item_weights"],
        element_weights=spec_file["element_weights"],
    )
    rows = read_csv("respondents.csv")
    col = {k: np.array([int(r[k]) for r in rows]) for k in rows[0]}
    codes = np.stack([col[q] for q in spec.items], axis=1).astype(np.uint8)
    cells = read_csv("cells.csv")
    cell_totals = np.array([float(r["Freq"]) for r in cells])
    agency_of_cell = np.array([int(r["agency"]) for r in cells])
    return ReferenceData(
        spec=spec,
        codes=codes,
        agency=col["agency"],
        field=col["field"],
        domains={
            "province": np.zeros(len(rows), dtype=np.int64),
            "district": col["district"],
            "agency": col["agency"],
            "counter": col["counter"],
        },
        cell=col["agency"] * 3 + col["field"],
        cell_totals=cell_totals,
        volume=np.array([float(r["volume"]) for r in read_csv("agency_volume.csv")]),
        agency_totals=np.bincount(agency_of_cell, weights=cell_totals),
        field_totals=np.array([float(r["Freq"]) for r in read_csv("field_totals.csv")]),
    )


@cache
def scored(design: str, lonely: str = "adjust", method: str = "beta") -> Scores:
    ref = load_reference()
    # R's arithmetic: no design-effect floor, no reliability rules (tests/scoring/test_reliability.py has those).
    return score(
        ref.codes, ref.spec, ref.design(design, lonely), ref.domains, method=method, target=0.9, floor=False, rules=None
    )


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    return load_reference()
