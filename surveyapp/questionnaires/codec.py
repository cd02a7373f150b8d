"""The compact encoding of a response's closed answers.

Every closed question of a questionnaire version has a fixed place in a short byte string, in file order:

* a ``scale`` or ``single`` question takes one byte: 0 when unanswered (skipped), otherwise the 1-based
  position of the chosen point or option;
* a ``multi`` question takes ``ceil(options / 8)`` bytes: a bit mask, bit ``j`` set when option ``j`` is
  chosen (option 0 in the low bit of the first byte).

The free-text answer is not part of it (it is the response's ``comment``).

Why bytes rather than one row per answer or one column per item: scoring reads a whole period at once, and a
million responses of the 19-criterion questionnaire are then a single 30 MB column that
:func:`answer_matrix` turns into a numpy ``uint8`` matrix without touching any Python object per answer; the
layout is fixed by the immutable version, so it never has to be migrated; and it works alike on SQLite and
PostgreSQL. One row per answer would multiply the rows by 25 and force a pivot; one column per item would tie
the table's shape to a questionnaire that changes between years.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np

from surveyapp.questionnaires.definition import Question, Questionnaire

#: What the interchange form (forms, API, CSV) holds per question: a scale value, an option code, a list of
#: option codes for multiple choice, or ``None`` when skipped.
AnswerValue = int | str | list[str] | None


class AnswerError(ValueError):
    """An answer does not fit the questionnaire. ``question`` names the item (``None`` for the whole set)."""

    def __init__(self, question: str | None, message: str):
        self.question = question
        self.message = message
        super().__init__(f"{question}: {message}" if question else message)


def encode(
    questionnaire: Questionnaire,
    answers: Mapping[str, AnswerValue],
    partial: bool = False,
    asked: Collection[str] | None = None,
) -> bytes:
    """Encode answers given as ``{question code: value}`` into the version's byte layout.

    Unknown question codes, values outside a scale, unknown option codes, too many choices, and a required
    question left unanswered raise :class:`AnswerError`. A ``partial`` response (the citizen left before the
    end) may leave required questions unanswered. With ``asked`` (the codes of the questions shown to the
    citizen), a question not shown is unanswered, required or not, and an answer to it is refused.
    """
    closed = {slot.question.code for slot in questionnaire.slots}
    text = questionnaire.comment_question
    unknown = sorted(set(answers) - closed - ({text.code} if text else set()))
    if unknown:
        raise AnswerError(None, f"unknown question(s): {', '.join(unknown)}")
    out = bytearray(questionnaire.width)
    for slot in questionnaire.slots:
        value = answers.get(slot.question.code)
        if asked is not None and slot.question.code not in asked:
            if not _empty(value):
                raise AnswerError(slot.question.code, "this question was not asked")
            continue
        out[slot.offset : slot.offset + slot.width] = _encode_one(slot.question, value, slot.width, partial)
    return bytes(out)


def _empty(value: AnswerValue) -> bool:
    return value is None or value == [] or value == ""


def _encode_one(question: Question, value: AnswerValue, width: int, partial: bool) -> bytes:
    if _empty(value):
        if not (question.skippable or partial):
            raise AnswerError(question.code, "an answer is required")
        return bytes(width)
    if question.type == "scale":
        if isinstance(value, bool) or not isinstance(value, int):
            raise AnswerError(question.code, f"expected a number on the scale, got {value!r}")
        for position, point in enumerate(question.scale.points, start=1):
            if point.value == value:
                return bytes([position])
        allowed = ", ".join(str(p.value) for p in question.scale.points)
        raise AnswerError(question.code, f"{value} is not on the scale ({allowed})")
    if question.type == "single":
        if not isinstance(value, str):
            raise AnswerError(question.code, f"expected an option code, got {value!r}")
        for position, option in enumerate(question.options, start=1):
            if option.code == value:
                return bytes([position])
        raise AnswerError(question.code, f"'{value}' is not one of its options")
    # multi
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise AnswerError(question.code, f"expected a list of option codes, got {value!r}")
    codes = [o.code for o in question.options]
    mask = 0
    for code in value:
        if code not in codes:
            raise AnswerError(question.code, f"'{code}' is not one of its options")
        mask |= 1 << codes.index(code)
    if len(set(value)) != len(value):
        raise AnswerError(question.code, "an option is chosen twice")
    if question.max_choices and len(value) > question.max_choices:
        raise AnswerError(question.code, f"at most {question.max_choices} choices are allowed")
    return mask.to_bytes(width, "little")


def decode(questionnaire: Questionnaire, data: bytes) -> dict[str, AnswerValue]:
    """The inverse of :func:`encode`: ``{question code: value}`` with ``None`` for unanswered questions."""
    if len(data) != questionnaire.width:
        raise AnswerError(None, f"{len(data)} bytes of answers, expected {questionnaire.width}")
    answers: dict[str, AnswerValue] = {}
    for slot in questionnaire.slots:
        question = slot.question
        chunk = data[slot.offset : slot.offset + slot.width]
        if question.type == "multi":
            mask = int.from_bytes(chunk, "little")
            answers[question.code] = [o.code for j, o in enumerate(question.options) if mask >> j & 1]
        elif chunk[0] == 0:
            answers[question.code] = None
        elif question.type == "scale":
            answers[question.code] = question.scale.points[chunk[0] - 1].value
        else:
            answers[question.code] = question.options[chunk[0] - 1].code
    return answers


def answer_matrix(questionnaire: Questionnaire, blobs: Iterable[bytes]) -> np.ndarray:
    """Stack encoded answers into an ``(n, width)`` ``uint8`` matrix, one row per response, without copies per
    answer. Column ``slot.offset`` of a scale question holds 0 (skipped) or the 1-based point position."""
    joined = b"".join(blobs)
    width = questionnaire.width
    if len(joined) % width:
        raise AnswerError(None, "stored answers do not match the questionnaire's layout")
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, width)


def criterion_codes(questionnaire: Questionnaire, matrix: np.ndarray) -> np.ndarray:
    """The ``(n, K)`` matrix of the scored criteria's point positions (0 = skipped), in questionnaire order."""
    columns = [slot.offset for slot in questionnaire.slots if slot.question.is_criterion]
    return matrix[:, columns]
