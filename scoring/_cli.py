"""``python -m scoring``: score a CSV file of responses against a questionnaire definition.

For analysts scoring data that came from elsewhere (paper forms keyed in, the national survey). The CSV has
one row per respondent: the columns named by ``--unit`` (unit codes, e.g. ``agency`` and ``district``), an
optional weight column, and one column per criterion code of the questionnaire holding the answer value
(``1``–``5`` on the SIPAS scale; empty = skipped, "không ý kiến"). The questionnaire file is the same TOML
the application loads from ``surveys/``.

Weights, all optional: ``--weight COLUMN`` (given per respondent); ``--population FILE`` (CSV
``stratum,population``: base weights :math:`N_h/n_h` for the strata column); ``--poststrata COLUMN --totals
FILE`` (CSV ``cell,total``); ``--rake FILE`` (CSV ``variable,category,total``: one margin per variable,
a variable being a column of the responses).

Every index's interval rests on a variance floored at simple random sampling of the unit's own respondents
(``--raw`` turns the floor off), and an index that fails the reliability rules (``--min-n``,
``--min-effective``, ``--max-width``, ``--max-relative-width``; NCHS defaults) gets the decision
``insufficient`` and a ``reliability`` column naming the rule. The ``*_raw`` columns match R's ``survey``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from scoring._design import Design
from scoring._reliability import ReliabilityRules
from scoring._score import ESTIMATE_FIELDS, score
from scoring._spec import IndexSpec
from scoring._weights import base_weights, poststratify, rake

FIELDS = ESTIMATE_FIELDS


class InputError(ValueError):
    """The input files do not fit together; the message says where."""


def read_questionnaire(path: Path) -> tuple[IndexSpec, dict[str, frozenset[int]], dict[str, frozenset[int]]]:
    """The index spec of a questionnaire file, and per criterion its valid and its satisfied answer values."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as a TOML questionnaire ({exc}).") from exc
    scales = document.get("scales", {})
    elements: dict[str, list[str]] = {e["code"]: [] for e in document.get("elements", [])}
    valid, satisfied, weights = {}, {}, {}
    for question in document.get("questions", []):
        element = question.get("element")
        if element is None:
            continue
        if element not in elements or question.get("scale") not in scales:
            raise InputError(f"{path}: criterion {question.get('code')} refers to an unknown element or scale.")
        points = scales[question["scale"]]["points"]
        elements[element].append(question["code"])
        valid[question["code"]] = frozenset(p["value"] for p in points)
        satisfied[question["code"]] = frozenset(p["value"] for p in points if p.get("satisfied"))
        weights[question["code"]] = float(question.get("weight", 1.0))
    if not valid:
        raise InputError(f"{path}: the questionnaire has no scored criteria.")
    spec = IndexSpec.from_elements(
        {e: items for e, items in elements.items() if items},
        item_weights=weights,
        element_weights={e["code"]: float(e.get("weight", 1.0)) for e in document.get("elements", [])
                         if elements[e["code"]]},
        satisfied_codes=(2,),
        max_code=2,
    )
    return spec, valid, satisfied


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            return list(reader.fieldnames or []), rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot be read as a UTF-8 CSV file ({exc}).") from exc


def recode(rows: list[dict[str, str]], spec: IndexSpec, valid, satisfied) -> np.ndarray:
    """Answer values → 0 (skipped), 1 (not satisfied), 2 (satisfied), one column per criterion."""
    codes = np.zeros((len(rows), len(spec.items)), dtype=np.uint8)
    for k, item in enumerate(spec.items):
        for i, row in enumerate(rows):
            text = (row.get(item) or "").strip()
            if not text:
                continue
            try:
                value = int(text)
            except ValueError:
                value = None
            if value not in valid[item]:
                raise InputError(f"row {i + 2}, column {item}: '{text}' is not an answer on its scale "
                                 f"({', '.join(map(str, sorted(valid[item])))}, or empty when skipped).")
            codes[i, k] = 2 if value in satisfied[item] else 1
    return codes


def _codes(rows: list[dict[str, str]], column: str) -> tuple[np.ndarray, list[str]]:
    labels = [row[column].strip() for row in rows]
    if any(not label for label in labels):
        line = next(i + 2 for i, label in enumerate(labels) if not label)
        raise InputError(f"row {line}: column {column} is empty.")
    names = sorted(set(labels))
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[label] for label in labels], dtype=np.int64), names


def _totals(path: Path, key: str, value: str) -> dict[str, float]:
    header, rows = read_rows(path)
    if key not in header or value not in header:
        raise InputError(f"{path}: needs the columns {key},{value}.")
    totals = {}
    for i, row in enumerate(rows, start=2):
        try:
            totals[row[key].strip()] = float(row[value])
        except ValueError as exc:
            raise InputError(f"{path}, row {i}: '{row[value]}' is not a number.") from exc
    return totals


def build_design(args: argparse.Namespace, rows: list[dict[str, str]], header: list[str]) -> tuple[Design, str]:
    strata_column = args.strata or args.unit[0]
    _require(header, [strata_column], "strata")
    strata, stratum_names = _codes(rows, strata_column)
    if args.weight:
        _require(header, [args.weight], "weight")
        try:
            weights = np.array([float(row[args.weight]) for row in rows])
        except ValueError as exc:
            raise InputError(f"column {args.weight}: every weight must be a number.") from exc
        return Design(strata=strata, weights=weights), f"weights from column {args.weight}"
    if args.population:
        totals = _totals(args.population, "stratum", "population")
        missing = [s for s in stratum_names if s not in totals]
        if missing:
            raise InputError(f"{args.population}: no population for {', '.join(missing[:5])}.")
        weights = base_weights(strata, np.array([totals[s] for s in stratum_names]))
        return Design(strata=strata, weights=weights), "base weights N/n per stratum"
    if args.poststrata:
        _require(header, [args.poststrata], "post-strata")
        if not args.totals:
            raise InputError("--poststrata needs --totals FILE (columns cell,total).")
        cells, cell_names = _codes(rows, args.poststrata)
        totals = _totals(args.totals, "cell", "total")
        missing = [c for c in cell_names if c not in totals]
        if missing:
            raise InputError(f"{args.totals}: no total for the cells {', '.join(missing[:5])}.")
        calibration = poststratify(cells, np.array([totals[c] for c in cell_names]))
        return Design(strata=strata, calibration=calibration), f"post-stratified on {args.poststrata}"
    if args.rake:
        header_m, margin_rows = read_rows(args.rake)
        if set(header_m) != {"variable", "category", "total"}:
            raise InputError(f"{args.rake}: needs the columns variable,category,total.")
        by_variable: dict[str, dict[str, float]] = defaultdict(dict)
        for row in margin_rows:
            by_variable[row["variable"].strip()][row["category"].strip()] = float(row["total"])
        _require(header, list(by_variable), "raking")
        margins, totals = [], []
        for variable, categories in by_variable.items():
            cells, names = _codes(rows, variable)
            missing = [c for c in names if c not in categories]
            if missing:
                raise InputError(f"{args.rake}: no total for {variable} = {', '.join(missing[:5])}.")
            margins.append(cells)
            totals.append(np.array([categories[c] for c in names]))
        calibration = rake(margins, totals)
        return Design(strata=strata, calibration=calibration), f"raked on {', '.join(by_variable)}"
    return Design(strata=strata), "unweighted"


def _require(header: list[str], columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(f"the responses have no column {', '.join(missing)} (needed for {what}).")


def run(args: argparse.Namespace) -> dict[str, Any]:
    spec, valid, satisfied = read_questionnaire(args.questionnaire)
    header, rows = read_rows(args.responses)
    if not rows:
        raise InputError(f"{args.responses}: there are no responses.")
    _require(header, args.unit, "units")
    missing = [item for item in spec.items if item not in header]
    if len(missing) == len(spec.items):
        raise InputError(f"{args.responses}: no column is named after a criterion of the questionnaire.")
    codes = recode(rows, spec, valid, satisfied)
    design, weighting = build_design(args, rows, header)
    domains, names = {}, {}
    for column in args.unit:
        domains[column], names[column] = _codes(rows, column)
    rules = (
        None
        if args.no_rules
        else ReliabilityRules(
            min_n=args.min_n,
            min_effective=args.min_effective,
            max_width=args.max_width,
            max_relative_width=args.max_relative_width or None,
        )
    )
    result = score(
        codes,
        spec,
        design,
        domains,
        method=args.method,
        confidence=args.confidence,
        target=args.target,
        floor=not args.raw,
        rules=rules,
    )
    levels = {}
    for column in args.unit:
        level = result[column]
        levels[column] = [
            {"unit": names[column][int(domain)], "indices": {
                name: {f: _plain(getattr(result.get(column, int(domain), name), f)) for f in FIELDS}
                for name in level.names}}
            for domain in level.domains
        ]
    return {"responses": len(rows), "weighting": weighting, "target": args.target, "confidence": args.confidence,
            "method": args.method, "design_effect_floor": not args.raw,
            "reliability_rules": None if rules is None else asdict(rules),
            "missing_criteria": missing, "levels": levels}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write(result: dict[str, Any], output: str, out) -> None:
    if output == "json":
        json.dump(result, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["level", "unit", "index", *FIELDS])
    for level, units in result["levels"].items():
        for unit in units:
            for name, values in unit["indices"].items():
                writer.writerow([level, unit["unit"], name, *("" if values[f] is None else values[f] for f in FIELDS)])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scoring", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("responses", type=Path, help="CSV file, one row per respondent")
    p.add_argument("--questionnaire", type=Path, required=True, help="questionnaire TOML (surveys/...)")
    p.add_argument("--unit", action="append", required=True,
                   help="column of unit codes to score by (repeatable: agency, district, ...)")
    p.add_argument("--strata", help="column of strata (default: the first --unit)")
    p.add_argument("--weight", help="column of respondent weights")
    p.add_argument("--population", type=Path, help="CSV stratum,population for base weights")
    p.add_argument("--poststrata", help="column of post-strata cells (with --totals)")
    p.add_argument("--totals", type=Path, help="CSV cell,total for --poststrata")
    p.add_argument("--rake", type=Path, help="CSV variable,category,total of raking margins")
    p.add_argument("--target", type=float, default=0.90)
    p.add_argument("--confidence", type=float, default=0.95)
    p.add_argument("--method", default="beta", choices=("beta", "xlogit", "wilson", "jeffreys", "clopper-pearson"))
    p.add_argument("--format", dest="output", choices=("csv", "json"), default="csv")
    rules = p.add_argument_group("reliability rules (NCHS presentation standards for proportions)")
    rules.add_argument("--min-n", type=int, default=30, help="least answers behind an index (default 30)")
    rules.add_argument("--min-effective", type=float, default=30.0, help="least effective size (default 30)")
    rules.add_argument("--max-width", type=float, default=0.30, help="widest interval (default 0.30)")
    rules.add_argument("--max-relative-width", type=float, default=1.30,
                       help="widest interval over min(p, 1-p) (default 1.30; 0 = no such rule)")
    rules.add_argument("--no-rules", action="store_true", help="decide on every index, however few its answers")
    p.add_argument("--raw", action="store_true",
                   help="no design-effect floor: R's linearisation variances behind intervals and decisions")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    weighting_options = [bool(args.weight), bool(args.population), bool(args.poststrata), bool(args.rake)]
    if sum(weighting_options) > 1:
        print("Error: choose one of --weight, --population, --poststrata and --rake.", file=sys.stderr)
        return 2
    try:
        result = run(args)
    except (InputError, ValueError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    write(result, args.output, sys.stdout)
    return 0
