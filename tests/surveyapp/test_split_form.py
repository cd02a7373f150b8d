"""The short form (a split questionnaire), scoring versions that extend one another, and scores filtered by who
the respondent came for."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import random
import tomllib
import uuid
from collections import Counter as Tally

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from surveyapp.config import PROJECT_ROOT
from surveyapp.datafiles import DefinitionError
from surveyapp.db import db
from surveyapp.organisation.models import Counter
from surveyapp.periods import LOCAL_ZONE, parse_period
from surveyapp.questionnaires.definition import build
from surveyapp.questionnaires.loader import read_definition, store
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.responses.service import Draft, record
from surveyapp.scores.service import RESPONDENT_NOTE, ScoringError, compute_scores, extends
from surveyapp.scores.settings import Settings
from tests.helpers import SIPAS_CRITERIA
from tests.staff import ACCOUNTS, create_accounts, sign_in
from tests.surveyapp.reports.conftest import pdf_text

SURVEYS = PROJECT_ROOT / "surveys"
PERIOD = parse_period("2026-Q3")
WHEN = dt.datetime(2026, 8, 10, 9, 0, tzinfo=LOCAL_ZONE)
UNWEIGHTED = Settings(weighting="none")


def definition(name: str):
    return read_definition(SURVEYS / name, SURVEYS)


def document(name: str) -> dict:
    return tomllib.loads((SURVEYS / name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the definition


def test_the_short_form_asks_one_criterion_per_element_and_the_questions_everyone_gets():
    short = definition("sipas-v2.toml")
    assert short.has_rotation and not definition("sipas-v1.toml").has_rotation
    rng = random.Random(3)
    order = [q.code for q in short.questions]
    for _ in range(200):
        asked = short.draw(rng)
        codes = [q.code for q in asked]
        assert codes == sorted(codes, key=order.index)  # display order is the file's
        assert Tally(q.element for q in asked if q.is_criterion) == {e.code: 1 for e in short.elements}
        assert {"overall", "harassment", "informal_payment", "respondent", "comment"} <= set(codes)
        assert not {q.role for q in asked} & {"profile", "improve"}


def test_every_criterion_is_asked_as_often_as_its_inclusion_probability_says():
    short = definition("sipas-v2.toml")
    rng = random.Random(11)
    draws = 20000
    asked = Tally(q.code for _ in range(draws) for q in short.draw(rng) if q.is_criterion)
    sizes = Tally(q.element for q in short.criteria)
    for question in short.criteria:
        p = short.inclusion_probability(question.code)
        assert p == pytest.approx(1 / sizes[question.element])
        se = (p * (1 - p) / draws) ** 0.5
        assert abs(asked[question.code] / draws - p) < 4 * se, question.code
    assert short.inclusion_probability("overall") == 1.0 and short.inclusion_probability("sex") == 0.0
    full = definition("sipas-v1.toml")
    assert full.draw(rng) == full.questions and full.inclusion_probability("staff_polite") == 1.0


def test_a_short_form_response_takes_at_most_twelve_taps():
    """Start, the field of procedure, one tap per closed question (a face, an integrity answer, who they came
    for), and send; the comment is typed, not tapped, and may be left empty."""
    short = definition("sipas-v2.toml")
    for seed in range(50):
        asked = short.draw(random.Random(seed))
        taps = 1 + 1 + sum(1 for q in asked if q.type != "text") + 1
        assert taps == 12


def _broken(mutate) -> list[tuple[str, str]]:
    doc = copy.deepcopy(document("sipas-v2.toml"))
    mutate(doc)
    with pytest.raises(DefinitionError) as caught:
        build(doc, "broken.toml")
    return caught.value.problems


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (lambda d: d["rotation"]["always"].append("nothing"), "rotation.always[5]", "not one of the questions"),
        (lambda d: d["rotation"]["always"].append("staff_polite"), "rotation.always[5]", "is a criterion"),
        (lambda d: d["rotation"]["always"].append("overall"), "rotation.always", "listed twice"),
        (lambda d: d["rotation"].update(per_element=0), "rotation.per_element", "minimum"),
        (lambda d: d["rotation"].update(order="random"), "rotation", "unknown key"),
        (lambda d: d["questions"][-2]["options"][1].update(code="firm"), "questions[29]", "options self, organisation"),
        (lambda d: d["questions"][-3].update(role="respondent"), "questions", "at most one question"),
    ],
    ids=["unknown", "criterion", "twice", "none-drawn", "unknown-key", "respondent-options", "two-respondents"],
)
def test_a_broken_rotation_or_respondent_question_is_refused(mutate, path, words):
    problems = _broken(mutate)
    assert any(p == path and words in message for p, message in problems), problems


def test_only_a_sipas_questionnaire_rotates():
    rating = document("rating-v1.toml")
    rating["rotation"] = {"always": []}
    with pytest.raises(DefinitionError) as caught:
        build(rating, "rating.toml")
    assert any("only a 'sipas' questionnaire" in m for _, m in caught.value.problems)


def test_version_2_extends_version_1_and_nothing_else_does():
    first, second = definition("sipas-v1.toml"), definition("sipas-v2.toml")
    assert extends(second, first) and extends(second, second) and not extends(first, second)
    swapped = copy.deepcopy(document("sipas-v2.toml"))
    swapped["version"] = 3
    swapped["questions"][0], swapped["questions"][1] = swapped["questions"][1], swapped["questions"][0]
    assert not extends(build(swapped, "v3.toml"), first)
    reweighted = copy.deepcopy(document("sipas-v2.toml"))
    reweighted["elements"][0]["weight"] = 2.0
    assert not extends(build(reweighted, "v3.toml"), first)


# ---------------------------------------------------------------- stored responses


def version(number: int) -> QuestionnaireVersion:
    return db.session.scalar(
        select(QuestionnaireVersion)
        .join(Instrument)
        .where(Instrument.code == "sipas", QuestionnaireVersion.version == number)
    )


def add(counter_code: str, number: int, answers: dict, when: dt.datetime = WHEN) -> None:
    counter = db.session.scalar(select(Counter).where(Counter.code == counter_code))
    record(
        Draft(
            uuid=uuid.uuid4(),
            counter=counter,
            version=version(number),
            answers=answers,
            language="vi",
            started_at=when - dt.timedelta(minutes=1),
            submitted_at=when,
        ),
        2000,
    )


COUNTER = "ttpv-moc-chau-dat-dai"


@pytest.fixture
def mixed(loaded_app):
    """In one quarter at one counter: 12 full-form answers to version 1 (all satisfied on staff_polite), and 24
    short-form answers to version 2, 8 of them for an organisation (dissatisfied on staff_polite when asked)."""
    with loaded_app.app_context():
        for i in range(12):
            answers = dict.fromkeys(SIPAS_CRITERIA, 5) | {"overall": 5}
            add(COUNTER, 1, answers, WHEN + dt.timedelta(hours=i))
        short = version(2).definition
        rng = random.Random(5)
        for i in range(24):
            organisation = i % 3 == 0
            asked = short.draw(rng)
            answers = {q.code: (2 if organisation else 4) for q in asked if q.type == "scale"}
            answers |= {
                "staff_polite": 2 if organisation else 4,
                "respondent": "organisation" if organisation else "self",
            }
            add(COUNTER, 2, answers, WHEN + dt.timedelta(days=1, hours=i))
        db.session.commit()
    return loaded_app


def test_versions_that_extend_one_another_are_scored_together(mixed):
    with mixed.app_context():
        report = compute_scores(PERIOD, settings=UNWEIGHTED)
        counter = db.session.scalar(select(Counter).where(Counter.code == COUNTER))
        polite = report.main.get("counter", counter.id, "staff_polite")
        access = report.main.get("counter", counter.id, "access_info")
    assert report.versions == ("sipas v1", "sipas v2") and report.questionnaire.version == 2
    assert report.respondents["counter"][counter.id] == 36 and not report.notes
    assert polite.n == 36 and polite.estimate == pytest.approx(28 / 36)
    # access_info: the 12 full forms plus the short forms that drew it, each criterion on its own answers
    assert 12 < access.n < 36


def test_a_version_that_does_not_extend_the_newest_is_left_out_with_a_note(mixed):
    changed = copy.deepcopy(document("sipas-v2.toml"))
    changed["version"] = 3
    changed["questions"][0], changed["questions"][1] = changed["questions"][1], changed["questions"][0]
    with mixed.app_context():
        store(build(changed, "sipas-v3.toml"), "sipas-v3.toml")
        add(COUNTER, 3, {"overall": 4}, WHEN + dt.timedelta(days=3))
        db.session.commit()
        report = compute_scores(PERIOD, settings=UNWEIGHTED)
    assert report.versions == ("sipas v3",) and report.responses == 1
    assert report.notes == ("Responses to sipas v1, sipas v2 are not scored with sipas v3: their items differ.",)


def test_scores_by_who_the_respondent_came_for(mixed):
    with mixed.app_context():
        counter = db.session.scalar(select(Counter).where(Counter.code == COUNTER)).id
        groups = {r: compute_scores(PERIOD, settings=UNWEIGHTED, respondent=r) for r in ("self", "organisation")}
        with pytest.raises(ScoringError, match="one of self, organisation"):
            compute_scores(PERIOD, respondent="company")
        with pytest.raises(ScoringError, match="does not ask who the respondent came for"):
            compute_scores(PERIOD, "rating", respondent="self")
    assert groups["self"].respondents["counter"][counter] == 16  # version 1 is in neither group
    assert groups["organisation"].respondents["counter"][counter] == 8
    assert groups["organisation"].main.get("counter", counter, "staff_polite").estimate == 0.0
    assert groups["self"].main.get("counter", counter, "staff_polite").estimate == 1.0
    assert groups["self"].respondent_filter == "self" and RESPONDENT_NOTE in groups["self"].notes


def test_the_api_dashboard_and_pdf_filter_by_respondent(mixed, backend, tmp_path):
    create_accounts(mixed, "area")
    client = mixed.test_client()
    sign_in(client, ACCOUNTS["area"].email, ACCOUNTS["area"].password)
    query = f"period={PERIOD.code}&respondent=organisation"
    listing = client.get(f"/api/v1/scores?{query}&level=counter")
    assert listing.status_code == 200 and listing.json["respondent"] == "organisation"
    assert [u["respondents"] for u in listing.json["units"]] == [8] and RESPONDENT_NOTE in listing.json["notes"]
    assert client.get(f"/api/v1/scores?period={PERIOD.code}").json["respondent"] is None
    wrong = client.get(f"/api/v1/scores?period={PERIOD.code}&respondent=company")
    assert wrong.status_code == 400 and wrong.json["where"] == "respondent"

    page = client.get(f"/agency/counter/{COUNTER}?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<option value="organisation" selected>' in html
    assert "phiên bản 1 của bảng hỏi SIPAS), không thuộc nhóm nào" in html and RESPONDENT_NOTE not in html
    assert "respondent=organisation" in html  # links and downloads keep the filter
    assert client.get(f"/agency/counter/{COUNTER}?period={PERIOD.code}&respondent=x").status_code == 400

    if backend == "sqlite":  # one backend is enough for the document's words
        pdf = client.get(f"/reports/counter/{COUNTER}.pdf?{query}")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        text = " ".join(pdf_text(pdf.data, tmp_path).split())
        assert "Báo cáo mức độ hài lòng của người dân – tổ chức, doanh nghiệp" in text
        assert "Người đánh giá làm thủ tục cho ai thay mặt tổ chức, doanh nghiệp" in text
        assert "Phiếu rút gọn" in text and "Tỷ lệ người được hỏi mỗi tiêu chí" in text  # the methods appendix
    assert client.get(f"/reports/counter/{COUNTER}.pdf?period={PERIOD.code}&respondent=x").status_code == 400

    with client.get(f"/reports/exports/scores.xlsx?{query}&level=counter") as exported:
        assert exported.status_code == 200
        book = load_workbook(io.BytesIO(exported.data))
    about = dict(book["Thông tin về tệp"].iter_rows(values_only=True))
    assert about["Người đánh giá làm thủ tục cho ai"] == "thay mặt tổ chức, doanh nghiệp"
    assert client.get(f"/reports/exports/scores.csv?period={PERIOD.code}&respondent=x").status_code == 400


def test_counters_may_keep_the_full_form(loaded_app):
    with loaded_app.app_context():
        forms = dict(db.session.execute(select(Counter.code, Counter.form)).all())
        full = db.session.scalar(select(Counter).where(Counter.code == "so-noi-vu-1"))
        short = db.session.scalar(select(Counter).where(Counter.code == COUNTER))
    assert full.full_form and not short.full_form
    assert [code for code, form in forms.items() if form == "full"] == ["so-noi-vu-1"]


def test_the_demo_year_scores_both_forms_together(loaded_app):
    from surveyapp.demo import generate

    with loaded_app.app_context():
        generate(8000, seed=9, today=dt.date(2026, 12, 2))
        db.session.commit()
        year = compute_scores(parse_period("2026"))
        quarter = compute_scores(parse_period("2026-Q4"))
        organisations = compute_scores(parse_period("2026-Q4"), respondent="organisation")
    assert year.versions == ("sipas v1", "sipas v2") and not year.notes
    province = year.levels[-1]
    [root] = year.main[province].domains.tolist()
    assert all(year.main.get(province, root, name).n > 500 for name in year.names)
    assert quarter.versions == ("sipas v2",)
    criteria = [quarter.main.get(province, root, q.code).n for q in quarter.questionnaire.criteria]
    assert max(criteria) < quarter.responses / 2.5  # a third of the citizens or fewer answer each criterion
    share = organisations.responses / quarter.responses
    assert 0.10 < share < 0.20
    with loaded_app.app_context():
        before = compute_scores(parse_period("2026-Q2"), respondent="self")  # version 1 only: nobody said
    assert before.versions == ("sipas v1",) and before.responses == 0 and before.main is None

    create_accounts(loaded_app, "office")
    client = loaded_app.test_client()
    sign_in(client, ACCOUNTS["office"].email, ACCOUNTS["office"].password)
    query = "period=2026-Q4&respondent=organisation"
    page = client.get(f"/agency/area/son-la?{query}")  # its trend reaches back into version 1's quarters
    assert page.status_code == 200 and "thay mặt tổ chức, doanh nghiệp" in page.get_data(as_text=True)
    pdf = client.get(f"/reports/area/son-la.pdf?{query}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_the_scores_command_filters_by_respondent(mixed):
    runner = mixed.test_cli_runner()
    args = ["scores", "--period", PERIOD.code, "--level", "counter", "--format", "json", "--weighting", "none"]
    result = runner.invoke(args=[*args, "--respondent", "organisation"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["respondent"] == "organisation" and [u["respondents"] for u in data["units"]] == [8]
    wrong = runner.invoke(args=[*args, "--respondent", "company"])
    assert wrong.exit_code == 2 and "'company' is not one of 'self', 'organisation'" in wrong.output
