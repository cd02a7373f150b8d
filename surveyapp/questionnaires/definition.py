"""A questionnaire version as immutable Python objects, built from a validated definition mapping.

The file format is documented in ``surveys/README.md`` and checked by ``surveyapp/schemas/
questionnaire.schema.json``; :func:`build` adds the rules a schema cannot express (references between scales,
elements, sections and questions, unique codes, every text present in the reference language).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from surveyapp.datafiles import DefinitionError, nfc, validate


@dataclass(frozen=True)
class Text:
    """A text in several languages; the first language of the questionnaire is always present."""

    values: Mapping[str, str]
    reference: str

    def get(self, language: str) -> str:
        """The text in ``language``, or in the reference language when that translation is missing."""
        return self.values.get(language) or self.values[self.reference]

    def has(self, language: str) -> bool:
        """Whether the text exists in ``language`` (otherwise :meth:`get` falls back)."""
        return language in self.values


@dataclass(frozen=True)
class Point:
    """One answer on a scale. ``value`` is the number the answer means (1–5, or points 2/1/0)."""

    value: int
    label: Text
    satisfied: bool
    face: str | None


@dataclass(frozen=True)
class Scale:
    code: str
    points: tuple[Point, ...]

    def point(self, value: int) -> Point | None:
        return next((p for p in self.points if p.value == value), None)


@dataclass(frozen=True)
class Option:
    code: str
    text: Text
    counted: bool
    icon: str | None


@dataclass(frozen=True)
class Element:
    """A scored group of criteria (yếu tố), shown on one screen."""

    code: str
    title: Text
    weight: float
    icon: str | None


@dataclass(frozen=True)
class Section:
    """A screen of questions that are not scored as criteria."""

    code: str
    title: Text
    icon: str | None


@dataclass(frozen=True)
class Question:
    code: str
    type: str
    text: Text
    help: Text | None
    element: str | None
    section: str | None
    scale: Scale | None
    options: tuple[Option, ...]
    weight: float
    skippable: bool
    role: str | None
    max_choices: int | None
    max_length: int | None
    audio: Mapping[str, str]

    @property
    def is_criterion(self) -> bool:
        """A scored SIPAS criterion (tiêu chí): a scale question inside an element."""
        return self.element is not None

    @property
    def screen(self) -> str:
        return self.element or self.section or ""

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Screen:
    """One page of the kiosk flow: an element or a section with its questions, in file order."""

    code: str
    title: Text
    icon: str | None
    questions: tuple[Question, ...]
    element: Element | None


@dataclass(frozen=True)
class Grade:
    code: str
    min_points: float
    label: Text


@dataclass(frozen=True)
class Slot:
    """Where a closed question's answer lives in the encoded answer bytes."""

    question: Question
    offset: int
    width: int


@dataclass(frozen=True)
class Rotation:
    """A split (planned-missing) questionnaire design: what each citizen is asked.

    Every citizen is asked the questions in ``always`` and, from each element, ``per_element`` of its criteria
    drawn uniformly at random without replacement, independently of everything else; the other criteria and
    questions are not asked (stored as missing). A criterion of an element with :math:`k_e` criteria is thus
    asked with probability :math:`\\pi_k = \\min(1, m / k_e)` (``m = per_element``), the same for every
    citizen, so its missing answers are missing completely at random by design and each criterion's share of
    satisfied answers among those asked estimates the same quantity as from the full form (Raghunathan and
    Grizzle 1995, "A split questionnaire survey design", JASA 90:54–63; Graham, Taylor, Olchowski and Cumsille
    2006, "Planned missing data designs in psychological research", Psychological Methods 11:323–343).
    """

    per_element: int
    always: frozenset[str]


@dataclass(frozen=True)
class Questionnaire:
    """One immutable version of an instrument."""

    instrument: str
    version: int
    kind: str
    languages: tuple[str, ...]
    title: Text
    intro: Text | None
    scales: Mapping[str, Scale]
    elements: tuple[Element, ...]
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    grades: tuple[Grade, ...]
    #: The normalised mapping the version was built from, as stored in the database.
    document: Mapping[str, Any] = field(repr=False, compare=False)
    #: The split design of the short form, or ``None`` when every citizen gets every question.
    rotation: Rotation | None = None

    @property
    def has_rotation(self) -> bool:
        """Whether citizens get a short form: the ``always`` questions and a random subset of the criteria."""
        return self.rotation is not None

    def draw(self, rng: random.Random) -> tuple[Question, ...]:
        """The questions to ask one citizen, in display order (file order).

        Without a rotation: every question (the full form). With one: the ``always`` questions and, per
        element, ``per_element`` of its criteria drawn uniformly without replacement with ``rng`` (see
        :class:`Rotation` for why the estimates stay unbiased).
        """
        if self.rotation is None:
            return self.questions
        chosen = set(self.rotation.always)
        for element in self.elements:
            members = [q.code for q in self.questions if q.element == element.code]
            chosen.update(rng.sample(members, min(self.rotation.per_element, len(members))))
        return tuple(q for q in self.questions if q.code in chosen)

    def inclusion_probability(self, code: str) -> float:
        """The probability that one citizen is asked question ``code`` on the short form.

        :math:`\\pi = 1` without a rotation and for the ``always`` questions; :math:`\\min(1, m / k_e)` for a
        criterion of an element with :math:`k_e` criteria when ``m`` are drawn per element; 0 for a question
        only the full form asks (the profile).
        """
        question = self.question(code)
        if self.rotation is None or code in self.rotation.always:
            return 1.0
        if question.element is None:
            return 0.0
        size = sum(1 for q in self.questions if q.element == question.element)
        return min(1.0, self.rotation.per_element / size)

    @property
    def reference_language(self) -> str:
        return self.languages[0]

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the document: equal digests mean an unchanged definition."""
        return document_digest(self.document)

    def question(self, code: str) -> Question:
        for question in self.questions:
            if question.code == code:
                return question
        raise KeyError(code)

    @property
    def criteria(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.is_criterion)

    def by_role(self, role: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.role == role)

    @property
    def comment_question(self) -> Question | None:
        return next((q for q in self.questions if q.type == "text"), None)

    def screens(self) -> Iterator[Screen]:
        """The kiosk's pages: each element and section with its questions, in order of first appearance."""
        elements = {e.code: e for e in self.elements}
        sections = {s.code: s for s in self.sections}
        order: list[str] = []
        grouped: dict[str, list[Question]] = {}
        for question in self.questions:
            if question.screen not in grouped:
                order.append(question.screen)
                grouped[question.screen] = []
            grouped[question.screen].append(question)
        for code in order:
            element = elements.get(code)
            holder = element or sections[code]
            yield Screen(code, holder.title, holder.icon, tuple(grouped[code]), element)

    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        """The byte layout of the closed questions; see :mod:`surveyapp.questionnaires.codec`."""
        slots, offset = [], 0
        for question in self.questions:
            if question.type == "text":
                continue
            width = (len(question.options) + 7) // 8 if question.type == "multi" else 1
            slots.append(Slot(question, offset, width))
            offset += width
        return tuple(slots)

    @cached_property
    def width(self) -> int:
        """Bytes per response in the encoded answers."""
        return sum(slot.width for slot in self.slots)


#: The options of the question with role ``respondent``: who the citizen came for. Scores can be filtered by them.
RESPONDENT_TYPES = ("self", "organisation")

#: Keys each question type uses.
_COMMON_KEYS = {"code", "type", "text", "help", "section", "role", "skippable", "audio"}
TYPE_KEYS = {
    "scale": _COMMON_KEYS | {"scale", "element", "weight"},
    "single": _COMMON_KEYS | {"options"},
    "multi": _COMMON_KEYS | {"options", "max_choices"},
    "text": _COMMON_KEYS | {"max_length"},
}


def document_digest(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build(document: Mapping[str, Any], source: str) -> Questionnaire:
    """Validate a definition mapping (as read from TOML) and build its :class:`Questionnaire`.

    Raises :class:`DefinitionError` naming ``source``, the path inside it and what is wrong.
    """
    document = nfc(dict(document))
    validate("questionnaire", document, source)
    return _Builder(document, source).build()


class _Builder:
    def __init__(self, document: dict[str, Any], source: str):
        self.doc = document
        self.source = source
        self.problems: list[tuple[str, str]] = []
        self.reference = document["languages"][0]

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def text(self, value: Mapping[str, str] | None, path: str) -> Text | None:
        if value is None:
            return None
        if self.reference not in value:
            self.fail(path, f"has no text in the reference language '{self.reference}'")
        unknown = sorted(set(value) - set(self.doc["languages"]))
        if unknown:
            self.fail(path, f"has text in {', '.join(unknown)}, not listed in 'languages'")
        return Text(dict(value), self.reference)

    def unique(self, items: list[Mapping[str, Any]], path: str) -> None:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item["code"] in seen:
                self.fail(f"{path}[{i}].code", f"'{item['code']}' is used twice")
            seen.add(item["code"])

    def build(self) -> Questionnaire:
        doc = self.doc
        scales = {code: self.scale(code, spec) for code, spec in doc.get("scales", {}).items()}
        elements = tuple(
            Element(
                e["code"], self.text(e["title"], f"elements[{i}].title"), float(e.get("weight", 1.0)), e.get("icon")
            )
            for i, e in enumerate(doc.get("elements", []))
        )
        sections = tuple(
            Section(s["code"], self.text(s["title"], f"sections[{i}].title"), s.get("icon"))
            for i, s in enumerate(doc.get("sections", []))
        )
        self.unique(doc.get("elements", []), "elements")
        self.unique(doc.get("sections", []), "sections")
        self.unique(doc["questions"], "questions")
        clash = {e.code for e in elements} & {s.code for s in sections}
        for code in sorted(clash):
            self.fail("sections", f"'{code}' is both an element and a section")

        questions = tuple(
            self.question(i, q, scales, {e.code for e in elements}, {s.code for s in sections})
            for i, q in enumerate(doc["questions"])
        )
        self.check_usage(questions, elements, sections)
        grades = tuple(
            Grade(g["code"], float(g["min_points"]), self.text(g["label"], f"grades[{i}].label"))
            for i, g in enumerate(doc.get("grades", []))
        )
        if [g.min_points for g in grades] != sorted((g.min_points for g in grades), reverse=True):
            self.fail("grades", "grade bands must be listed from the highest min_points to the lowest")
        rotation = self.rotation(questions)
        if self.problems:
            raise DefinitionError(self.source, self.problems)
        return Questionnaire(
            instrument=doc["instrument"],
            version=doc["version"],
            kind=doc["kind"],
            languages=tuple(doc["languages"]),
            title=self.text(doc["title"], "title"),
            intro=self.text(doc.get("intro"), "intro"),
            scales=scales,
            elements=elements,
            sections=sections,
            questions=questions,
            grades=grades,
            document=doc,
            rotation=rotation,
        )

    def rotation(self, questions: tuple[Question, ...]) -> Rotation | None:
        spec = self.doc.get("rotation")
        if spec is None:
            return None
        if self.doc["kind"] != "sipas":
            self.fail("rotation", "a rotation draws criteria: only a 'sipas' questionnaire has them")
        by_code = {q.code: q for q in questions}
        for j, code in enumerate(spec["always"]):
            question = by_code.get(code)
            if question is None:
                self.fail(f"rotation.always[{j}]", f"'{code}' is not one of the questions")
            elif question.is_criterion:
                self.fail(f"rotation.always[{j}]", f"'{code}' is a criterion: criteria are drawn per element")
        if len(set(spec["always"])) != len(spec["always"]):
            self.fail("rotation.always", "a question is listed twice")
        return Rotation(spec.get("per_element", 1), frozenset(spec["always"]))

    def scale(self, code: str, spec: Mapping[str, Any]) -> Scale:
        points = tuple(
            Point(
                p["value"],
                self.text(p["label"], f"scales.{code}.points[{i}].label"),
                p.get("satisfied", False),
                p.get("face"),
            )
            for i, p in enumerate(spec["points"])
        )
        values = [p.value for p in points]
        if len(set(values)) != len(values):
            self.fail(f"scales.{code}.points", "two points have the same value")
        return Scale(code, points)

    def question(self, i: int, q: Mapping[str, Any], scales, element_codes, section_codes) -> Question:
        path = f"questions[{i}]"
        for key in sorted(set(q) - TYPE_KEYS[q["type"]]):
            self.fail(f"{path}.{key}", f"'{key}' is not used by a {q['type']} question")
        scale = None
        if "scale" in q:
            scale = scales.get(q["scale"])
            if scale is None:
                self.fail(f"{path}.scale", f"'{q['scale']}' is not defined under [scales]")
        if "element" in q and q["element"] not in element_codes:
            self.fail(f"{path}.element", f"'{q['element']}' is not one of the elements")
        if "section" in q and q["section"] not in section_codes:
            self.fail(f"{path}.section", f"'{q['section']}' is not one of the sections")
        if "element" in q and scale is not None and not any(p.satisfied for p in scale.points):
            self.fail(f"{path}.scale", "a scored criterion needs a scale with at least one 'satisfied' point")
        options = tuple(
            Option(o["code"], self.text(o["text"], f"{path}.options[{j}].text"), o.get("counted", False), o.get("icon"))
            for j, o in enumerate(q.get("options", []))
        )
        self.unique(q.get("options", []), f"{path}.options")
        if q["type"] == "multi" and q.get("max_choices", 1) > len(options):
            self.fail(f"{path}.max_choices", "is larger than the number of options")
        if q["type"] == "text" and q.get("skippable") is False:
            self.fail(f"{path}.skippable", "a free-text question is always optional")
        for language in q.get("audio", {}):
            if language not in self.doc["languages"]:
                self.fail(f"{path}.audio", f"audio for '{language}', which is not listed in 'languages'")
        return Question(
            code=q["code"],
            type=q["type"],
            text=self.text(q["text"], f"{path}.text"),
            help=self.text(q.get("help"), f"{path}.help"),
            element=q.get("element"),
            section=q.get("section"),
            scale=scale,
            options=options,
            weight=float(q.get("weight", 1.0)),
            skippable=q.get("skippable", q["type"] in ("multi", "text")),
            role=q.get("role"),
            max_choices=q.get("max_choices"),
            max_length=q.get("max_length"),
            audio=dict(q.get("audio", {})),
        )

    def check_usage(self, questions, elements, sections) -> None:
        used = {q.screen for q in questions}
        for i, element in enumerate(elements):
            if element.code not in used:
                self.fail(f"elements[{i}]", f"element '{element.code}' has no criteria")
        texts = [q for q in questions if q.type == "text"]
        if len(texts) > 1:
            self.fail("questions", "at most one free-text question is allowed (it is stored as the comment)")
        if self.doc["kind"] == "sipas" and not elements:
            self.fail("elements", "a 'sipas' questionnaire needs at least one element")
        if self.doc["kind"] == "rating" and len([q for q in questions if q.role == "rating"]) != 1:
            self.fail("questions", "a 'rating' questionnaire needs exactly one question with role 'rating'")
        if self.doc["kind"] == "case":
            if not any(q.role == "case_indicator" for q in questions):
                self.fail("questions", "a 'case' questionnaire needs questions with role 'case_indicator'")
            if not self.doc.get("grades"):
                self.fail("grades", "a 'case' questionnaire needs grade bands")
        respondents = [i for i, q in enumerate(questions) if q.role == "respondent"]
        if len(respondents) > 1:
            self.fail("questions", "at most one question may have role 'respondent'")
        for i in respondents:
            codes = {o.code for o in questions[i].options}
            if questions[i].type != "single" or not set(RESPONDENT_TYPES) <= codes:
                self.fail(
                    f"questions[{i}]",
                    f"a 'respondent' question must be single choice with the options {', '.join(RESPONDENT_TYPES)}",
                )
        for i, q in enumerate(questions):
            integrity = q.role in ("harassment", "informal_payment")
            if integrity and (q.type != "single" or not any(o.counted for o in q.options)):
                self.fail(f"questions[{i}]", f"a '{q.role}' question must be single choice with a 'counted' option")
