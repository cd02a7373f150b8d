"""Scores for a period at every level of the organisation: counter, agency, each level of areas, province.

:func:`compute_scores` reads the period's responses (:mod:`surveyapp.scores.data`), leaves out flagged ones
by default, weights them (:mod:`surveyapp.scores.design`), and calls :mod:`scoring`:

* ``sipas`` questionnaires: every criterion, element and the overall index (:func:`scoring.score`), plus the
  overall-satisfaction question and the two integrity indices (:func:`scoring.proportions`);
* ``rating``: the share satisfied;
* ``case``: the mean points of a case file (rescaled to all indicators when some are skipped) and the share
  of case files in each grade band.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

import scoring
from surveyapp.db import db, utcnow
from surveyapp.organisation.models import Agency, Area, Counter, Field
from surveyapp.periods import Period
from surveyapp.questionnaires.definition import RESPONDENT_TYPES, Question, Questionnaire
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.responses.models import COUNTED, STATUSES, Response
from surveyapp.scores.data import ResponseArrays, load_responses
from surveyapp.scores.design import MergedCell, build_design
from surveyapp.scores.settings import Settings, settings_for

#: The status codes that count when flagged responses are left out: ``ok`` and ``noted`` (flagged for review
#: by reasons that alone do not make a response look produced, see surveyapp/integrity/rules.py).
COUNTED_CODES = np.array([STATUSES.index(status) for status in COUNTED])
#: Names of the further SIPAS indices, by the role of the question they come from.
EXTRA_NAMES = {"overall": "overall_question", "harassment": "harassment", "informal_payment": "informal_payment"}


class ScoringError(ValueError):
    """Scores cannot be computed as asked; the message says why."""


@dataclass(frozen=True)
class Unit:
    level: str
    id: int
    code: str
    name: str
    name_en: str | None
    #: Kind of unit: ``counter``, ``agency`` or ``area``.
    kind: str


@dataclass(frozen=True)
class ScoreReport:
    """Everything computed for one instrument and period, with what is needed to say how."""

    period: Period
    instrument: str
    kind: str
    questionnaire: Questionnaire
    versions: tuple[str, ...]
    settings: Settings
    computed_at: dt.datetime
    #: Responses scored, and those left out: flagged, excluded or partial.
    responses: int
    left_out: int
    weighting_note: str
    #: Levels from the finest (counter) to the coarsest (province).
    levels: tuple[str, ...]
    units: dict[str, dict[int, Unit]]
    #: Respondents scored in each unit, by level and unit id.
    respondents: dict[str, dict[int, int]]
    #: The main indices: SIPAS criteria, elements and overall; or the rating's share; or case points.
    main: scoring.Scores | None
    #: Further indices by respondent: overall question, integrity indices, grade bands.
    extra: scoring.Scores | None
    field_filter: str | None = None
    #: Only responses of those who came for themselves (``self``) or for an organisation (``organisation``).
    respondent_filter: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Responses left out (flagged or excluded), by level and unit id.
    left_out_by_unit: dict[str, dict[int, int]] = field(default_factory=dict, repr=False)
    #: The scored responses and their domain codes, for further counts (e.g. "what should improve").
    arrays: ResponseArrays | None = field(default=None, repr=False)
    domains: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: Post-strata collapsed before calibrating (fields merged within an agency), for the methods appendix.
    merged_cells: tuple[MergedCell, ...] = ()
    #: Groupings scored like levels but outside the hierarchy (:data:`FORMER_DISTRICT`), when the data have them.
    groupings: tuple[str, ...] = ()
    #: Results derived from this report (comparisons, charts), kept as long as the report is.
    derived: dict = field(default_factory=dict, repr=False, compare=False)

    def derive(self, key: tuple, compute):
        """``compute()`` once per ``key`` for this report."""
        if key not in self.derived:
            self.derived[key] = compute()
        return self.derived[key]

    def has(self, level: str) -> bool:
        """Whether ``level`` (a level or a grouping) was scored in this report."""
        return level in self.levels or level in self.groupings

    def above(self, level: str) -> tuple[str, ...]:
        """The levels coarser than ``level``, with the groupings (the former district) before the top level;
        for a grouping or the top level, the top level alone or nothing."""
        if level in self.groupings:
            return self.levels[-1:]
        coarser = self.levels[self.levels.index(level) + 1 :]
        return (*coarser[:-1], *self.groupings, *coarser[-1:]) if coarser else ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.main[self.levels[0]].names if self.main is not None else ()

    def level_rows(self, level: str) -> list[dict[str, Any]]:
        """One dictionary per unit of ``level``: the unit and, per index, its :class:`scoring.Estimate`."""
        if self.main is None:
            return []
        rows = []
        main = self.main[level]
        extra = self.extra[level] if self.extra is not None else None
        for domain in main.domains:
            unit = self.units[level].get(int(domain))
            if unit is None:
                continue
            estimates = {name: self.main.get(level, int(domain), name) for name in main.names}
            if extra is not None and domain in extra.domains:
                estimates |= {name: self.extra.get(level, int(domain), name) for name in extra.names}
            rows.append({"unit": unit, "respondents": self.respondents[level].get(unit.id, 0), "estimates": estimates})
        return rows


def instruments_with_responses(period: Period) -> list[str]:
    rows = db.session.scalars(
        select(Instrument.code)
        .join(QuestionnaireVersion)
        .join(Response)
        .where(Response.submitted_at >= period.start, Response.submitted_at < period.end)
        .distinct()
    )
    return sorted(rows)


def compute_scores(
    period: Period,
    instrument: str = "sipas",
    *,
    settings: Settings | None = None,
    field_code: str | None = None,
    agencies: Collection[int] | None = None,
    respondent: str | None = None,
) -> ScoreReport:
    """Score every unit for ``period``. Raises :class:`ScoringError` with a sentence when it cannot.

    ``respondent`` (``self`` or ``organisation``, :data:`RESPONDENT_TYPES`) keeps the responses of those who
    said they came for themselves, or on behalf of an organisation or business; responses that did not answer
    that question (skipped, or a version that did not ask it) are in neither group.

    ``agencies`` keeps only the responses given in those agencies: every unit made of whole agencies among them
    (their counters, the agencies, an area whose agencies are all among them) gets the same figures as from
    all responses, faster, because the strata are agencies and weights ``none``, ``base`` and ``poststratify``
    are computed agency by agency. Raking balances all agencies together: it needs all responses.
    """
    settings = settings or settings_for(period.code)
    versions = _versions(instrument, period)
    questionnaire = versions[-1].definition
    usable = [v for v in versions if extends(questionnaire, v.definition)]
    notes = []
    if len(usable) < len(versions):
        left = ", ".join(v.label for v in versions if v not in usable)
        notes.append(f"Responses to {left} are not scored with {versions[-1].label}: their items differ.")
    arrays = load_responses({v.id: v.definition.width for v in usable}, questionnaire.width, period)
    if field_code is not None:
        field_id = db.session.scalar(select(Field.id).where(Field.code == field_code))
        if field_id is None:
            raise ScoringError(f"There is no field of procedure '{field_code}'.")
        arrays = arrays.subset(arrays.field == field_id)
    if respondent is not None:
        arrays = arrays.subset(_respondent_rows(questionnaire, arrays, respondent))
        notes.append(RESPONDENT_NOTE)
    if agencies is not None:
        if settings.weighting == "rake":
            raise ScoringError("Raked weights balance every agency together: score all agencies.")
        arrays = arrays.subset(np.isin(arrays.agency, np.fromiter(agencies, dtype=arrays.agency.dtype)))
    keep = ~arrays.partial  # an unfinished questionnaire is counted in the unit but never scored
    if settings.exclude_flagged:
        keep &= np.isin(arrays.status, COUNTED_CODES)
    left_out = int((~keep).sum())
    levels, domains, units = _domains(arrays)
    groupings = tuple(name for name in domains if name not in levels)
    left_out_by_unit = {level: _counts(codes[~keep]) for level, codes in domains.items()}
    arrays = arrays.subset(keep)
    domains = {level: codes[keep] for level, codes in domains.items()}
    respondents = {level: _counts(codes) for level, codes in domains.items()}
    try:
        weighted = build_design(arrays.agency, arrays.field, settings.weighting, period, settings.min_cell_size)
    except ValueError as exc:
        raise ScoringError(str(exc)) from exc
    main = extra = None
    if arrays.n:
        main, extra = _score(questionnaire, arrays, weighted.design, domains, settings)
    return ScoreReport(
        period=period,
        instrument=instrument,
        kind=questionnaire.kind,
        questionnaire=questionnaire,
        versions=tuple(v.label for v in usable),
        settings=settings,
        computed_at=utcnow(),
        responses=arrays.n,
        left_out=left_out,
        weighting_note=weighted.note,
        levels=levels,
        units=units,
        respondents=respondents,
        main=main,
        extra=extra,
        field_filter=field_code,
        respondent_filter=respondent,
        notes=tuple(notes),
        left_out_by_unit=left_out_by_unit,
        arrays=arrays,
        domains=domains,
        merged_cells=weighted.merged,
        groupings=groupings,
    )


#: What a score filtered by respondent type leaves out, printed with it.
RESPONDENT_NOTE = (
    "Filtered by who the respondent came for: responses that did not answer that question, or to a questionnaire "
    "version that did not ask it, are in neither group."
)


def _respondent_rows(questionnaire: Questionnaire, arrays: ResponseArrays, respondent: str) -> np.ndarray:
    """The rows whose answer to the question with role ``respondent`` is the option ``respondent``: none when the
    period's versions did not ask it. An instrument none of whose versions asks it cannot be filtered."""
    if respondent not in RESPONDENT_TYPES:
        raise ScoringError(f"The respondent type must be one of {', '.join(RESPONDENT_TYPES)}, not '{respondent}'.")
    slot = next((s for s in questionnaire.slots if s.question.role == "respondent"), None)
    if slot is None:
        versions = db.session.scalars(
            select(QuestionnaireVersion).join(Instrument).where(Instrument.code == questionnaire.instrument)
        )
        if not any(v.definition.by_role("respondent") for v in versions):
            raise ScoringError(f"Questionnaire {questionnaire.instrument} does not ask who the respondent came for.")
        return np.zeros(arrays.n, dtype=bool)  # a period of versions that did not ask it: nobody is in either group
    position = 1 + [o.code for o in slot.question.options].index(respondent)
    return arrays.answers[:, slot.offset] == position


def _versions(instrument: str, period: Period) -> list[QuestionnaireVersion]:
    used = db.session.scalars(
        select(QuestionnaireVersion)
        .join(Instrument)
        .where(
            Instrument.code == instrument,
            QuestionnaireVersion.id.in_(
                select(Response.questionnaire_version_id)
                .where(Response.submitted_at >= period.start, Response.submitted_at < period.end)
                .distinct()
            ),
        )
        .order_by(QuestionnaireVersion.version)
    ).all()
    if used:
        return list(used)
    latest = db.session.scalar(
        select(QuestionnaireVersion)
        .join(Instrument)
        .where(Instrument.code == instrument)
        .order_by(QuestionnaireVersion.version.desc())
    )
    if latest is None:
        raise ScoringError(f"No questionnaire '{instrument}' is loaded.")
    return [latest]


def _signature(questionnaire: Questionnaire) -> tuple:
    """What must agree for two versions' answers to be scored together: the kind, the elements, and per
    closed question its code, element, weight, place in the answer bytes, role and counted answers."""
    return (
        questionnaire.kind,
        tuple(
            (
                s.question.code,
                s.question.element,
                s.question.weight,
                s.offset,
                s.width,
                s.question.role,
                _satisfied_positions(s.question),
            )
            for s in questionnaire.slots
        ),
        tuple((e.code, e.weight) for e in questionnaire.elements),
    )


def extends(newer: Questionnaire, older: Questionnaire) -> bool:
    """Whether ``older``'s answers can be scored with ``newer``'s: the same kind and elements, and every closed
    question of ``older`` in ``newer`` with the same code, element, weight, place, role and counted answers,
    ``newer`` only adding questions after them. ``older``'s responses then read as ``newer``'s with the added
    questions unanswered. A version extends itself."""
    kind, slots, elements = _signature(newer)
    old_kind, old_slots, old_elements = _signature(older)
    return kind == old_kind and elements == old_elements and slots[: len(old_slots)] == old_slots


def _satisfied_positions(question: Question) -> tuple[int, ...]:
    if question.scale is not None:
        return tuple(i for i, p in enumerate(question.scale.points, start=1) if p.satisfied)
    return tuple(i for i, o in enumerate(question.options, start=1) if o.counted)


#: The grouping of areas by the district they lay in before 1 July 2025 (khu vực): scored like a level, shown
#: as a grouping, never as an administrative level.
FORMER_DISTRICT = "former_district"


def _domains(arrays: ResponseArrays) -> tuple[tuple[str, ...], dict[str, np.ndarray], dict[str, dict[int, Unit]]]:
    """Domain codes per level (unit ids; −1 = not in any unit of that level) and the units themselves; also
    per grouping (:data:`FORMER_DISTRICT`), which is not one of the levels returned."""
    areas = {a.id: a for a in db.session.scalars(select(Area))}
    chains: dict[int, dict[str, int]] = {}
    for area_id in np.unique(arrays.area):
        chain, current = {}, areas.get(int(area_id))
        while current is not None and current.level not in chain:
            chain[current.level] = current.id
            current = areas.get(current.parent_id) if current.parent_id is not None else None
        chains[int(area_id)] = chain
    depth = {}
    for area in areas.values():
        steps, current = 0, area
        while current.parent_id is not None and steps < 50:
            current, steps = areas[current.parent_id], steps + 1
        depth.setdefault(area.level, steps)
    area_levels = sorted({level for chain in chains.values() for level in chain}, key=lambda lv: -depth[lv])
    domains = {"counter": arrays.counter, "agency": arrays.agency}
    area_index = {int(a): i for i, a in enumerate(np.unique(arrays.area))}
    position = np.array([area_index[int(a)] for a in arrays.area], dtype=np.int64) if arrays.n else arrays.area
    for level in area_levels:
        lookup = np.array([chains[int(a)].get(level, -1) for a in np.unique(arrays.area)], dtype=np.int64)
        domains[level] = lookup[position] if arrays.n else np.zeros(0, np.int64)
    units: dict[str, dict[int, Unit]] = {"counter": {}, "agency": {}}
    for counter in db.session.scalars(select(Counter).where(Counter.id.in_(np.unique(arrays.counter).tolist()))):
        units["counter"][counter.id] = Unit(
            "counter", counter.id, counter.code, counter.name, counter.name_en, "counter"
        )
    for agency in db.session.scalars(select(Agency).where(Agency.id.in_(np.unique(arrays.agency).tolist()))):
        units["agency"][agency.id] = Unit("agency", agency.id, agency.code, agency.name, agency.name_en, "agency")
    for level in area_levels:
        units[level] = {
            a.id: Unit(level, a.id, a.code, a.name, a.name_en, "area") for a in areas.values() if a.level == level
        }
    present = [int(a) for a in np.unique(arrays.area)]
    if any(areas[a].former_district_id is not None for a in present if a in areas):
        lookup = np.array(
            [areas[a].former_district_id if a in areas and areas[a].former_district_id else -1 for a in present],
            dtype=np.int64,
        )
        domains[FORMER_DISTRICT] = lookup[position] if arrays.n else np.zeros(0, np.int64)
        units[FORMER_DISTRICT] = {
            a.id: Unit(FORMER_DISTRICT, a.id, a.code, a.name, a.name_en, "area")
            for a in areas.values()
            if a.id in set(lookup.tolist())
        }
    return ("counter", "agency", *area_levels), domains, units


def _counts(codes: np.ndarray) -> dict[int, int]:
    values, counts = np.unique(codes[codes >= 0], return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def _lookup(question: Question) -> np.ndarray:
    """Position byte → 0 (no answer), 1 (not counted), 2 (satisfied / counted)."""
    size = 256
    table = np.ones(size, dtype=np.uint8)
    table[0] = 0
    for position in _satisfied_positions(question):
        table[position] = 2
    return table


def _score(
    questionnaire: Questionnaire,
    arrays: ResponseArrays,
    design: scoring.Design,
    domains: dict[str, np.ndarray],
    settings: Settings,
) -> tuple[scoring.Scores, scoring.Scores | None]:
    slots = {slot.question.code: slot for slot in questionnaire.slots}
    options = {"method": settings.method, "confidence": settings.confidence, "rules": settings.rules}

    def coded(question: Question) -> np.ndarray:
        return _lookup(question)[arrays.answers[:, slots[question.code].offset]]

    if questionnaire.kind == "sipas":
        criteria = questionnaire.criteria
        elements = {e.code: [q.code for q in criteria if q.element == e.code] for e in questionnaire.elements}
        spec = scoring.IndexSpec.from_elements(
            elements,
            item_weights={q.code: q.weight for q in criteria},
            element_weights={e.code: e.weight for e in questionnaire.elements},
            satisfied_codes=(2,),
            max_code=2,
        )
        codes = np.column_stack([coded(q) for q in criteria])
        main = scoring.score(codes, spec, design, domains, target=settings.target, **options)
        extra_questions = [
            q for role in ("overall", "harassment", "informal_payment") for q in questionnaire.by_role(role)
        ]
        extra = None
        if extra_questions:
            values = np.column_stack([coded(q) for q in extra_questions])
            extra = scoring.proportions(
                values == 2,
                design,
                domains,
                observed=values > 0,
                names=[EXTRA_NAMES[q.role] for q in extra_questions],
                **options,
            )
        return main, extra
    if questionnaire.kind == "rating":
        [question] = questionnaire.by_role("rating")
        value = coded(question)
        main = scoring.proportions(
            value == 2, design, domains, observed=value > 0, names=["satisfied"], target=settings.target, **options
        )
        return main, None
    return _case(questionnaire, arrays, design, domains, slots, settings)


def _case(questionnaire, arrays, design, domains, slots, settings):
    indicators = questionnaire.by_role("case_indicator")
    points = np.full((arrays.n, len(indicators)), np.nan)
    for j, question in enumerate(indicators):
        values = np.array([np.nan] + [p.value for p in question.scale.points] + [np.nan] * 254)[:256]
        points[:, j] = values[arrays.answers[:, slots[question.code].offset]]
    answered = (~np.isnan(points)).sum(axis=1)
    total = np.where(answered > 0, np.nansum(points, axis=1) / np.maximum(answered, 1) * len(indicators), np.nan)
    main = scoring.means(
        total[:, None], design, domains, names=["points"], confidence=settings.confidence, rules=settings.rules
    )
    grades = questionnaire.grades
    bands = np.zeros((arrays.n, len(grades)), dtype=bool)
    assigned = np.zeros(arrays.n, dtype=bool)
    for g, grade in enumerate(grades):
        bands[:, g] = ~assigned & (total >= grade.min_points)
        assigned |= bands[:, g]
    observed = np.repeat((answered > 0)[:, None], len(grades), axis=1)
    extra = scoring.proportions(
        bands,
        design,
        domains,
        observed=observed,
        names=[g.code for g in grades],
        method=settings.method,
        confidence=settings.confidence,
        rules=settings.rules,
    )
    return main, extra
