"""Which questions a citizen is asked: the whole questionnaire, or a short form drawn from it."""

from __future__ import annotations

import random

from surveyapp.organisation.models import Counter
from surveyapp.questionnaires.definition import Question, Questionnaire

#: Draws of the short form: from the operating system's randomness, so no citizen's form can be predicted.
_draws = random.SystemRandom()


def is_one_tap(questionnaire: Questionnaire) -> bool:
    """A one-tap rating: the first tap on a face is the answer; the kiosk shows the faces on its first screen."""
    return questionnaire.kind == "rating"


def questions_for(counter: Counter, questionnaire: Questionnaire) -> tuple[Question, ...]:
    """The questions shown to the next citizen at ``counter``, in display order: the short form drawn afresh
    for each citizen when the questionnaire has one (see :class:`~surveyapp.questionnaires.definition.Rotation`),
    every question where the counter keeps the full form."""
    if counter.full_form:
        return questionnaire.questions
    return questionnaire.draw(_draws)


#: Short forms the offline app keeps, to give each citizen one of them at random: each is a draw of
#: :meth:`~surveyapp.questionnaires.definition.Questionnaire.draw`, so a criterion is asked as often on the tablet
#: as in the browser (up to the variation of this many draws, independent of the answers either way).
OFFLINE_DRAWS = 120


def short_forms(counter: Counter, questionnaire: Questionnaire) -> list[list[str]]:
    """The codes of the questions of :data:`OFFLINE_DRAWS` short forms for an offline tablet at ``counter``; none
    when the counter keeps the full form or the questionnaire has no short form (every question is asked)."""
    if counter.full_form or not questionnaire.has_rotation:
        return []
    return [[question.code for question in questionnaire.draw(_draws)] for _ in range(OFFLINE_DRAWS)]


def asked_questions(questionnaire: Questionnaire, listed: str | None) -> tuple[Question, ...] | None:
    """The questions a posted form says were asked (``asked``: codes separated by spaces), in display order.

    A form without the list (an older page) asked every question; ``None`` when it names an unknown question.
    """
    if listed is None:
        return questionnaire.questions
    codes = set(listed.split())
    known = {question.code for question in questionnaire.questions}
    if not codes <= known:
        return None
    return tuple(question for question in questionnaire.questions if question.code in codes)
