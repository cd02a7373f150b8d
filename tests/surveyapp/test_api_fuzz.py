"""Property-based tests of the JSON API: schemathesis generates requests from the published OpenAPI document
(valid and invalid ones) and sends them to the app in-process; Hypothesis generates response bodies of the
right shape with arbitrary strings and numbers. Never a 5xx, every response as the document says, and a
refused submission never leaves a row.

Both are derandomised (fixed seed), so a run in CI is the same as a run here; raise ``FUZZ_EXAMPLES`` to
search longer.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import func, select

from surveyapp.db import db
from surveyapp.responses.models import Response
from tests.openapi import spec
from tests.staff import ACCOUNTS, create_accounts, sign_in
from tests.surveyapp.test_api import body, post, token_for

#: Examples per API operation (schemathesis) and per property (Hypothesis).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))


def config(app) -> SchemathesisConfig:
    """Seeded and bounded generation; the device token and the staff session as the contract's two schemes."""
    return SchemathesisConfig.from_dict(
        {
            "seed": 20261128,
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "mode": "all"},
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
            "auth": {"openapi": {"deviceToken": {"bearer": app.fuzz_token}, "session": {"api_key": app.fuzz_session}}},
        }
    )


@pytest.fixture
def fuzzed_app(loaded_app):
    """The loaded app with a signed-in reform office (for the scores) and no rate limit in the way."""
    loaded_app.config["API_DEVICE_LIMIT"] = "100000 per minute"
    create_accounts(loaded_app, "office")
    client = loaded_app.test_client()
    sign_in(client, ACCOUNTS["office"].email, ACCOUNTS["office"].password)
    loaded_app.fuzz_session = client.get_cookie("session").value
    loaded_app.fuzz_token = token_for(loaded_app)
    return loaded_app


def responses_stored(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Response))
        db.session.remove()
        return count


def operations() -> list[tuple[str, str]]:
    return [(path, method.upper()) for path, methods in spec()["paths"].items() for method in methods]


@pytest.mark.parametrize(("path", "method"), operations())
def test_the_api_answers_as_its_contract_says(fuzzed_app, path, method):
    """Requests that fit the contract and requests that break it, for every operation."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app, config=config(fuzzed_app))
    operation = schema[path][method]
    cases = st.one_of([operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)])

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def answers(case):
        before = responses_stored(fuzzed_app)
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        assert response.status_code < 500, response.text[:500]
        if response.status_code >= 400:
            assert responses_stored(fuzzed_app) == before

    answers()


text = st.text(st.characters(codec="utf-8"), max_size=80)
answer = st.one_of(
    st.none(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
    st.lists(text, max_size=5),
    st.booleans(),
)
question = st.one_of(
    st.sampled_from(["access_info", "staff_polite", "overall", "harassment", "informal_payment", "improve"]),
    text,
)


#: The answers of ``body()``: every required question answered.
VALID_ANSWERS = body()["answers"]


def test_submissions_of_the_right_shape_are_stored_or_refused_whole(fuzzed_app):
    """Bodies the schema accepts, with arbitrary answers and text: stored (201), or refused with a 4xx and no
    row; never a 5xx."""
    client = fuzzed_app.test_client()
    statuses: set[int] = set()

    @given(
        answers=st.dictionaries(question, answer, max_size=6),
        comment=st.one_of(st.none(), text),
        case_code=st.one_of(st.none(), text),
        language=st.sampled_from(["vi", "en", "fr", "vi-VN"]),
        partial=st.booleans(),
    )
    @settings(max_examples=EXAMPLES * 2, derandomize=True, deadline=None, database=None)
    def submit(answers, comment, case_code, language, partial):
        payload = body(
            answers={**VALID_ANSWERS, **answers},
            comment=comment,
            case_code=case_code,
            language=language,
            partial=partial,
        )
        before = responses_stored(fuzzed_app)
        response = post(client, fuzzed_app.fuzz_token, payload)  # checked against the contract
        statuses.add(response.status_code)
        assert response.status_code == 201 or 400 <= response.status_code < 500, response.get_json()
        assert responses_stored(fuzzed_app) == before + (response.status_code == 201)

    submit()
    assert 201 in statuses and 422 in statuses  # the generator reaches both sides
