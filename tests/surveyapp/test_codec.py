"""The compact answer encoding: round trips, refusals, and the numpy view used by scoring."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveyapp.config import PROJECT_ROOT
from surveyapp.questionnaires.codec import AnswerError, answer_matrix, criterion_codes, decode, encode
from surveyapp.questionnaires.loader import read_definition

SURVEYS = PROJECT_ROOT / "surveys"
SIPAS = read_definition(SURVEYS / "sipas-v1.toml", SURVEYS)
CASE = read_definition(SURVEYS / "case-v1.toml", SURVEYS)


def answer_strategy(questionnaire):
    """Any valid set of closed answers to a questionnaire."""
    parts = {}
    for question in questionnaire.questions:
        if question.type == "text":
            continue
        if question.type == "scale":
            value = st.sampled_from([p.value for p in question.scale.points])
        elif question.type == "single":
            value = st.sampled_from([o.code for o in question.options])
        else:
            codes = [o.code for o in question.options]
            value = st.lists(st.sampled_from(codes), unique=True, max_size=question.max_choices or len(codes)).map(
                lambda chosen, codes=codes: sorted(chosen, key=codes.index)
            )
        parts[question.code] = st.none() | value if question.skippable and question.type != "multi" else value
    return st.fixed_dictionaries(parts)


@given(answer_strategy(SIPAS))
def test_sipas_answers_round_trip(answers):
    encoded = encode(SIPAS, answers)
    assert len(encoded) == SIPAS.width
    assert decode(SIPAS, encoded) == answers


@given(answer_strategy(CASE))
def test_case_points_round_trip_including_zero_points(answers):
    assert decode(CASE, encode(CASE, answers)) == answers


def test_scale_answers_are_stored_as_point_positions():
    encoded = encode(SIPAS, {"access_info": 5, "access_signs": 1, "access_clean": None})
    assert encoded[:3] == bytes([5, 1, 0])
    zero_points = encode(CASE, {q.code: 0 for q in CASE.questions if q.type == "scale"})
    assert zero_points[0] == 3  # 0 points is the third point of its scale, never "no answer"


def test_multiple_choice_is_a_bit_mask():
    encoded = encode(SIPAS, {"improve": ["online", "feedback"]})
    slot = next(s for s in SIPAS.slots if s.question.code == "improve")
    assert encoded[slot.offset] == 0b1000_0001


@pytest.mark.parametrize(
    ("answers", "question", "words"),
    [
        ({"access_info": 6}, "access_info", "not on the scale"),
        ({"access_info": 0}, "access_info", "not on the scale"),
        ({"access_info": True}, "access_info", "expected a number"),
        ({"access_info": "5"}, "access_info", "expected a number"),
        ({"harassment": "maybe"}, "harassment", "not one of its options"),
        ({"improve": ["online", "online"]}, "improve", "chosen twice"),
        ({"improve": ["online", "faster", "simpler", "skills"]}, "improve", "at most 3"),
        ({"improve": "online"}, "improve", "list of option codes"),
        ({"nonsense": 1}, None, "unknown question(s): nonsense"),
    ],
)
def test_answers_that_do_not_fit_are_refused(answers, question, words):
    with pytest.raises(AnswerError) as caught:
        encode(SIPAS, answers)
    assert caught.value.question == question
    assert words in str(caught.value)


def test_required_answer_missing_is_refused():
    with pytest.raises(AnswerError, match="an answer is required"):
        encode(CASE, {})


def test_matrix_view_and_criterion_columns():
    rows = [encode(SIPAS, {"access_info": v, "feedback_notified": 4}) for v in (1, 5, None)]
    matrix = answer_matrix(SIPAS, rows)
    assert matrix.shape == (3, SIPAS.width) and matrix.dtype == np.uint8
    criteria = criterion_codes(SIPAS, matrix)
    assert criteria.shape == (3, 19)
    assert criteria[:, 0].tolist() == [1, 5, 0]
    assert criteria[:, 18].tolist() == [4, 4, 4]


def test_matrix_refuses_blobs_of_another_layout():
    with pytest.raises(AnswerError):
        answer_matrix(SIPAS, [b"\x01\x02"])
