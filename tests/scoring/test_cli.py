"""``python -m scoring``: a CSV of responses scored against a questionnaire file."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scoring import Design, IndexSpec, poststratify, score
from scoring._cli import main

ROOT = Path(__file__).resolve().parents[2]
SIPAS = ROOT / "surveys" / "sipas-v1.toml"
CRITERIA = [
    "access_info",
    "access_signs",
    "access_clean",
    "access_equipment",
    "procedure_posted",
    "procedure_documents",
    "procedure_fees",
    "procedure_time",
    "staff_polite",
    "staff_prompt",
    "staff_guidance",
    "staff_rules",
    "staff_attentive",
    "result_on_time",
    "result_accurate",
    "result_fair",
    "feedback_channel",
    "feedback_handled",
    "feedback_notified",
]


@pytest.fixture
def responses(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(9)
    n = 240
    agency = rng.integers(0, 6, n)
    district = agency // 2
    field = rng.integers(0, 2, n)
    values = rng.choice([0, 1, 2, 3, 4, 5], size=(n, 19), p=[0.05, 0.05, 0.05, 0.15, 0.35, 0.35])
    path = tmp_path / "responses.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent", "agency", "district", "cell", *CRITERIA])
        for i in range(n):
            cells = ["" if v == 0 else str(v) for v in values[i]]
            writer.writerow([i, f"a{agency[i]}", f"huyện-{district[i]}", f"a{agency[i]}-f{field[i]}", *cells])
    return path, agency, district, values


def direct(values: np.ndarray) -> np.ndarray:
    return np.where(values == 0, 0, np.where(values >= 4, 2, 1)).astype(np.uint8)


def spec() -> IndexSpec:
    elements = {
        "access": CRITERIA[0:4],
        "procedure": CRITERIA[4:8],
        "staff": CRITERIA[8:13],
        "result": CRITERIA[13:16],
        "feedback": CRITERIA[16:19],
    }
    return IndexSpec.from_elements(elements, satisfied_codes=(2,), max_code=2)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def rows_of(text: str) -> dict[tuple[str, str, str], dict[str, str]]:
    return {(r["level"], r["unit"], r["index"]): r for r in csv.DictReader(io.StringIO(text))}


def test_unweighted_scores_match_the_library(capsys, responses):
    path, agency, district, values = responses
    code, out, _ = run(capsys, path, "--questionnaire", SIPAS, "--unit", "agency", "--unit", "district")
    assert code == 0
    rows = rows_of(out)
    expected = score(direct(values), spec(), Design(strata=agency), {"agency": agency, "district": district})
    for name in ("access_info", "staff", "overall"):
        got = rows[("district", "huyện-1", name)]
        want = expected.get("district", 1, name)
        assert float(got["estimate"]) == pytest.approx(want.estimate, rel=1e-12)
        assert float(got["lower"]) == pytest.approx(want.lower, rel=1e-12)
        assert got["decision"] == want.decision


def test_poststratified_scores_match_the_library(capsys, responses, tmp_path):
    path, agency, district, values = responses
    totals = tmp_path / "totals.csv"
    cells = sorted({f"a{a}-f{f}" for a in range(6) for f in range(2)})
    totals.write_text("cell,total\n" + "".join(f"{c},{100 + 10 * i}\n" for i, c in enumerate(cells)), encoding="utf-8")
    code, out, _ = run(
        capsys,
        path,
        "--questionnaire",
        SIPAS,
        "--unit",
        "district",
        "--strata",
        "agency",
        "--poststrata",
        "cell",
        "--totals",
        totals,
        "--format",
        "json",
    )
    assert code == 0
    result = json.loads(out)
    assert result["weighting"] == "post-stratified on cell"
    with path.open(encoding="utf-8") as handle:
        cell_labels = [r["cell"] for r in csv.DictReader(handle)]
    cell_codes = np.array([cells.index(c) for c in cell_labels])
    design = Design(strata=agency, calibration=poststratify(cell_codes, np.array([100 + 10 * i for i in range(12)])))
    expected = score(direct(values), spec(), design, {"district": district})
    unit = next(u for u in result["levels"]["district"] if u["unit"] == "huyện-2")
    assert unit["indices"]["overall"]["estimate"] == pytest.approx(expected.get("district", 2, "overall").estimate)
    assert unit["indices"]["overall"]["se"] == pytest.approx(expected.get("district", 2, "overall").se, rel=1e-9)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--unit", "nowhere"], "no column nowhere"),
        (["--unit", "agency", "--population", "missing.csv"], "cannot be read"),
        (["--unit", "agency", "--poststrata", "cell"], "needs --totals"),
        (["--unit", "agency", "--weight", "district"], "every weight must be a number"),
    ],
)
def test_bad_input_exits_with_a_sentence(capsys, responses, extra, words):
    path, *_ = responses
    code, out, err = run(capsys, path, "--questionnaire", SIPAS, *extra)
    assert code == 1 and out == ""
    assert err.startswith("Error: ") and words in err


def test_an_answer_off_the_scale_names_its_row_and_column(capsys, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("agency,access_info\na,5\na,7\n", encoding="utf-8")
    code, _, err = run(capsys, path, "--questionnaire", SIPAS, "--unit", "agency")
    assert code == 1 and "row 3, column access_info: '7' is not an answer on its scale" in err


def test_conflicting_weight_options_are_a_usage_error(capsys, responses, tmp_path):
    path, *_ = responses
    code, _, err = run(
        capsys, path, "--questionnaire", SIPAS, "--unit", "agency", "--weight", "x", "--rake", tmp_path / "m.csv"
    )
    assert code == 2 and "choose one of" in err


def test_runs_as_a_module(responses):
    path, *_ = responses
    done = subprocess.run(
        [sys.executable, "-m", "scoring", str(path), "--questionnaire", str(SIPAS), "--unit", "agency"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("level,unit,index,estimate")


def test_reliability_and_raw_columns(responses, capsys):
    path = responses[0]
    code, out, _ = run(capsys, path, "--questionnaire", SIPAS, "--unit", "agency", "--unit", "district")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"reliability", "se_raw", "n_eff_raw", "deff_raw"} <= set(rows[0])
    for row in rows:
        assert float(row["n_eff"]) <= float(row["n"]) * (1 + 1e-9)
        assert float(row["se"]) >= float(row["se_raw"]) * (1 - 1e-9)
        if row["decision"] == "insufficient":
            assert row["reliability"]
        else:
            assert row["reliability"] == "" and row["decision"] in ("met", "not_met", "inconclusive")
    # about 40 respondents per agency, 80 per district: only agencies' indices fail
    failing = {lv: sum(bool(r["reliability"]) for r in rows if r["level"] == lv) for lv in ("agency", "district")}
    assert failing["agency"] > 20 and failing["district"] == 0, failing
    code, loose, _ = run(capsys, path, "--questionnaire", SIPAS, "--unit", "agency", "--no-rules", "--raw")
    assert code == 0
    loose_rows = list(csv.DictReader(io.StringIO(loose)))
    assert all(r["reliability"] == "" and r["decision"] != "insufficient" for r in loose_rows)
    assert all(r["se"] == r["se_raw"] for r in loose_rows if r["se"])
    code, strict, _ = run(capsys, path, "--questionnaire", SIPAS, "--unit", "district", "--min-n", "1000")
    assert code == 0
    assert all(r["reliability"] == "few_answers" for r in csv.DictReader(io.StringIO(strict)))
