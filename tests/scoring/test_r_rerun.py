"""Rerun the R reference scripts (when Rscript is installed) and compare with the committed outputs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REFERENCE, number, read_csv

pytestmark = pytest.mark.r

SCRIPTS = {
    "make_reference.R": [
        "r_weights.csv",
        "r_criteria.csv",
        "r_svyby.csv",
        "r_contrasts.csv",
        "r_criterion_cov.csv",
        "r_district_difference.csv",
        "r_district_cross_cov.csv",
    ],
    "make_collapsed_reference.R": [
        "r_collapsed_weights.csv",
        "r_collapsed_criteria.csv",
        "r_collapsed_contrasts.csv",
    ],
}


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed")
@pytest.mark.parametrize("script", list(SCRIPTS))
def test_r_script_reproduces_committed_outputs(tmp_path: Path, script: str):
    env = {**os.environ, "REFERENCE_OUT": str(tmp_path)}
    subprocess.run(
        ["Rscript", str(REFERENCE / script)],
        check=True,
        env=env,
        capture_output=True,
        timeout=300,
    )
    for name in SCRIPTS[script]:
        fresh, committed = read_csv(name, tmp_path), read_csv(name)
        assert len(fresh) == len(committed), name
        for a, b in zip(fresh, committed, strict=True):
            for key, value in b.items():
                try:
                    x, y = number(a[key]), number(value)
                except ValueError:
                    assert a[key] == value, (name, key)
                    continue
                assert x == pytest.approx(y, rel=1e-12, abs=1e-300, nan_ok=True), (name, key)
