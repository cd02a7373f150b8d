"""Scores for a period at every level, checked by hand against the stored answers."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import numpy as np
import pytest
from sqlalchemy import select, update

from surveyapp.audit import service as audit
from surveyapp.audit.models import AuditEntry
from surveyapp.db import db
from surveyapp.organisation.models import Agency, Counter, Field, ServiceVolume
from surveyapp.periods import LOCAL_ZONE, parse_period
from surveyapp.questionnaires.loader import current_version
from surveyapp.responses.models import Response
from surveyapp.responses.service import Draft, record
from surveyapp.scores import cache
from surveyapp.scores.service import ScoringError, compute_scores
from surveyapp.scores.settings import Settings, save_settings, settings_for
from tests.helpers import SIPAS_CRITERIA
from tests.staff import ACCOUNTS, create_accounts, csrf_token, sign_in

PERIOD = parse_period("2026-Q3")
WHEN = dt.datetime(2026, 8, 10, 9, 0, tzinfo=LOCAL_ZONE)
CRITERIA = SIPAS_CRITERIA
ELEMENTS = {
    "access": CRITERIA[0:4],
    "procedure": CRITERIA[4:8],
    "staff": CRITERIA[8:13],
    "result": CRITERIA[13:16],
    "feedback": CRITERIA[16:19],
}
#: counter → field of procedure given by the citizen (None: the counter's own)
COUNTERS = {
    "ttpv-moc-chau-dat-dai": None,
    "ttpv-moc-chau-tu-phap": None,
    "ttpv-tan-yen-tong-hop": "civil-status",
    "so-tu-phap-1": None,
    "ttpv-mai-son-dat-dai": None,
}


def add(counter_code: str, answers: dict, field_code: str | None = None, when: dt.datetime = WHEN, **extra) -> None:
    counter = db.session.scalar(select(Counter).where(Counter.code == counter_code))
    field = db.session.scalar(select(Field).where(Field.code == field_code)) if field_code else None
    record(
        Draft(
            uuid=uuid.uuid4(),
            counter=counter,
            version=current_version(counter.instrument_code),
            answers=answers,
            language="vi",
            field=field,
            started_at=when - dt.timedelta(minutes=2),
            submitted_at=when,
            **extra,
        ),
        2000,
    )


@pytest.fixture
def scored(loaded_app):
    """Seventy responses with seeded random answers at five counters in four agencies."""
    rng = np.random.default_rng(4)
    answers_given = []
    with loaded_app.app_context():
        for i in range(70):
            counter = list(COUNTERS)[i % len(COUNTERS)]
            answers = {
                c: (None if rng.random() < 0.1 else int(rng.choice([2, 3, 4, 5], p=[0.1, 0.1, 0.4, 0.4])))
                for c in CRITERIA
            }
            answers["harassment"] = "yes" if i % 10 == 0 else "no"
            add(counter, answers, COUNTERS[counter])
            answers_given.append((counter, answers))
        add("so-tu-phap-1", {"access_info": 5}, when=dt.datetime(2026, 5, 1, 9, 0, tzinfo=LOCAL_ZONE))  # Q2
    return answers_given


def share(answers: list[dict], code: str) -> float:
    values = [a[code] for a in answers if a[code] is not None]
    return sum(v >= 4 for v in values) / len(values)


def unweighted_overall(answers: list[dict]) -> float:
    return float(np.mean([np.mean([share(answers, c) for c in items]) for items in ELEMENTS.values()]))


def test_unweighted_indices_equal_hand_computed_shares(loaded_app, scored):
    with loaded_app.app_context():
        report = compute_scores(PERIOD, settings=Settings(weighting="none"))
        assert report.responses == 70 and report.left_out == 0
        assert report.levels == ("counter", "agency", "commune", "province")
        assert report.groupings == ("former_district",)
        by_code = {row["unit"].code: row for row in report.level_rows("counter")}
        for counter in COUNTERS:
            mine = [a for c, a in scored if c == counter]
            row = by_code[counter]
            assert row["respondents"] == len(mine)
            for code in ("access_info", "staff_rules", "feedback_notified"):
                assert row["estimates"][code].estimate == pytest.approx(share(mine, code), abs=1e-12)
            assert row["estimates"]["overall"].estimate == pytest.approx(unweighted_overall(mine), abs=1e-12)
        harassment = by_code["so-tu-phap-1"]["estimates"]["harassment"].estimate
        mine = [a for c, a in scored if c == "so-tu-phap-1"]
        assert harassment == pytest.approx(sum(a["harassment"] == "yes" for a in mine) / len(mine))


def test_units_roll_up_the_organisation_tree(loaded_app, scored):
    with loaded_app.app_context():
        report = compute_scores(PERIOD, settings=Settings(weighting="none"))
        districts = {row["unit"].code: row for row in report.level_rows("former_district")}
        communes = {row["unit"].code: row for row in report.level_rows("commune")}
        assert set(districts) == {"moc-chau", "mai-son"}  # the department lies in no former district
        assert districts["moc-chau"]["respondents"] == 3 * 14  # two communes grouped under former Mộc Châu
        assert communes["xa-tan-yen"]["respondents"] == 14 and communes["phuong-moc-chau"]["respondents"] == 2 * 14
        [province] = report.level_rows("province")
        assert province["respondents"] == 70
        mine = [
            a for c, a in scored if c in ("ttpv-moc-chau-dat-dai", "ttpv-moc-chau-tu-phap", "ttpv-tan-yen-tong-hop")
        ]
        assert districts["moc-chau"]["estimates"]["procedure_fees"].estimate == pytest.approx(
            share(mine, "procedure_fees")
        )


def test_flagged_responses_are_left_out_and_counted(loaded_app, scored):
    with loaded_app.app_context():
        target = db.session.scalars(
            select(Response.id)
            .join(Counter)
            .where(Counter.code == "so-tu-phap-1", Response.submitted_at >= PERIOD.start)
            .order_by(Response.id)
        ).all()[:4]
        db.session.execute(update(Response).where(Response.id.in_(target)).values(status="flagged"))
        db.session.commit()
        report = compute_scores(PERIOD, settings=Settings(weighting="none"))
        assert (report.responses, report.left_out) == (66, 4)
        row = next(r for r in report.level_rows("counter") if r["unit"].code == "so-tu-phap-1")
        assert row["respondents"] == 10
        included = compute_scores(PERIOD, settings=Settings(weighting="none", exclude_flagged=False))
        assert (included.responses, included.left_out) == (70, 0)


def test_base_weights_make_agencies_count_by_their_case_files(loaded_app, scored):
    agency_of = {
        "ttpv-moc-chau-dat-dai": "ttpv-moc-chau",
        "ttpv-moc-chau-tu-phap": "ttpv-moc-chau",
        "ttpv-tan-yen-tong-hop": "ttpv-tan-yen",
        "so-tu-phap-1": "so-tu-phap",
        "ttpv-mai-son-dat-dai": "ttpv-mai-son",
    }
    with loaded_app.app_context():
        report = compute_scores(PERIOD, settings=Settings(weighting="base"))
        numerator = denominator = 0.0
        for agency in set(agency_of.values()):
            volume = sum(
                db.session.scalars(
                    select(ServiceVolume.cases)
                    .join(Agency)
                    .where(Agency.code == agency, ServiceVolume.period == "2026-Q3")
                )
            )
            mine = [a["access_clean"] for c, a in scored if agency_of[c] == agency]
            weight = volume / len(mine)  # w = N_a / n_a for every respondent of the agency
            numerator += weight * sum(v is not None and v >= 4 for v in mine)
            denominator += weight * sum(v is not None for v in mine)
        [province] = report.level_rows("province")
        assert province["estimates"]["access_clean"].estimate == pytest.approx(numerator / denominator, rel=1e-12)
        assert "case files" in report.weighting_note


def test_poststratified_cells_take_their_volume(loaded_app, scored):
    with loaded_app.app_context():
        report = compute_scores(PERIOD, settings=Settings(weighting="poststratify"))
        assert "agency × field" in report.weighting_note
        [province] = report.level_rows("province")
        estimate = province["estimates"]["overall"]
        assert 0 < estimate.lower <= estimate.estimate <= estimate.upper < 1
        assert estimate.decision in ("met", "not_met", "inconclusive")


def test_missing_volumes_are_a_clear_error(loaded_app, scored):
    with loaded_app.app_context():
        db.session.execute(ServiceVolume.__table__.delete())
        db.session.commit()
        with pytest.raises(ScoringError, match=r"No service volumes for 4 agencies .*load-volumes"):
            compute_scores(PERIOD, settings=Settings(weighting="poststratify"))
        assert compute_scores(PERIOD, settings=Settings(weighting="none")).responses == 70


def test_a_period_without_responses_has_no_estimates(loaded_app, scored):
    with loaded_app.app_context():
        report = compute_scores(parse_period("2025-Q1"), settings=Settings(weighting="none"))
        assert report.responses == 0 and report.level_rows("agency") == []


def test_field_filter(loaded_app, scored):
    with loaded_app.app_context():
        report = compute_scores(PERIOD, settings=Settings(weighting="none"), field_code="civil-status")
        assert report.responses == 14 + 14  # the commune's choice and the district's civil-status counter
        with pytest.raises(ScoringError, match="no field of procedure 'astrology'"):
            compute_scores(PERIOD, field_code="astrology")


def test_rating_and_case_evaluation(loaded_app):
    with loaded_app.app_context():
        for value in (5, 5, 4, 1, 4):  # the five faces of rating v2: satisfied are 4 and 5
            add("ttpv-quynh-nhai-tong-hop", {"rating": value}, "land")
        points = [(2, 2, 2, 2, 2, 2, 2, None, 2), (1, 1, 0, 1, 1, 1, 1, 1, 1), (0, 0, 0, 0, 0, 0, 0, 0, 0)]
        codes = [
            "total_time",
            "stage_time",
            "contacts",
            "agencies",
            "submission",
            "disclosure",
            "attitude",
            "feedback",
            "result",
        ]
        for row in points:
            add("so-tu-phap-2", dict(zip(codes, row, strict=True)))
        rating = compute_scores(PERIOD, "rating", settings=Settings(weighting="none"))
        [counter] = rating.level_rows("counter")
        assert counter["estimates"]["satisfied"].estimate == pytest.approx(4 / 5)
        case = compute_scores(PERIOD, "case", settings=Settings(weighting="none"))
        [counter] = case.level_rows("counter")
        assert counter["estimates"]["points"].estimate == pytest.approx((18 + 8 + 0) / 3)
        assert counter["estimates"]["very_good"].estimate == pytest.approx(1 / 3)  # 16 points and more
        assert counter["estimates"]["poor"].estimate == pytest.approx(2 / 3)  # 8 and 0 points


def test_settings_are_versioned_audited_and_fall_back(loaded_app):
    with loaded_app.app_context():
        assert settings_for("2026-Q3").source == "built-in"
        save_settings(None, None, target=0.85, confidence=0.95, method="beta", weighting="base")
        save_settings("2026-Q3", None, target=0.92, confidence=0.9, method="wilson", weighting="none")
        second = save_settings("2026-Q3", None, target=0.93, confidence=0.9, method="wilson", weighting="none")
        db.session.commit()
        assert second.version == 2
        assert settings_for("2026-Q3").target == 0.93 and settings_for("2026-Q3").source == "2026-Q3 v2"
        assert settings_for("2026-Q2").target == 0.85 and settings_for("2026-Q2").source == "* v1"
        with pytest.raises(ValueError, match="strictly between 0 and 1"):
            save_settings("2026-Q3", None, target=90, confidence=0.95, method="beta", weighting="none")
        assert db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "settings_changed"))


def test_cli_prints_scores_with_their_settings(loaded_app, scored):
    runner = loaded_app.test_cli_runner()
    table = runner.invoke(args=["scores", "--period", "2026-Q3", "--level", "former_district", "--weighting", "none"])
    assert table.exit_code == 0, table.output
    assert "70 responses scored, 0 flagged left out" in table.output
    assert "Settings: target 90%, 95% intervals (beta), weighting none" in table.output
    assert "moc-chau" in table.output
    as_json = runner.invoke(
        args=["scores", "--period", "2026-Q3", "--level", "agency", "--format", "json", "--weighting", "none"]
    )
    data = json.loads(as_json.output)
    assert data["settings"]["target"] == 0.9 and data["versions"] == ["sipas v2"]
    assert {u["code"] for u in data["units"]} == {"ttpv-moc-chau", "ttpv-tan-yen", "so-tu-phap", "ttpv-mai-son"}
    unit = next(u for u in data["units"] if u["code"] == "so-tu-phap")
    # 14 respondents: no verdict, and the reason
    assert unit["respondents"] == 14
    assert unit["indices"]["overall"]["decision"] == "insufficient"
    assert unit["indices"]["overall"]["reliability"] == "few_answers"
    as_csv = runner.invoke(
        args=["scores", "--period", "2026-Q3", "--level", "agency", "--format", "csv", "--weighting", "none"]
    )
    assert as_csv.output.splitlines()[0].startswith("period,instrument,versions,settings,level,unit,name")
    assert len(as_csv.output.splitlines()) == 1 + 4 * (19 + 5 + 1 + 3)
    bad = runner.invoke(args=["scores", "--period", "2026-Q3", "--level", "galaxy"])
    assert bad.exit_code == 1 and "not a level" in bad.output
    saved = runner.invoke(args=["scoring-settings", "--period", "2026-Q3", "--target", "0.8"])
    assert saved.exit_code == 0 and "2026-Q3 v1" in saved.output
    shown = runner.invoke(args=["scoring-settings", "--period", "2026-Q3"])
    assert "target 80%" in shown.output


def test_cached_reports_stay_valid_until_their_period_changes(loaded_app, scored):
    with loaded_app.app_context():
        cache.clear()
        q3 = cache.cached_scores(PERIOD)
        q2 = cache.cached_scores(parse_period("2026-Q2"))
        assert cache.cached_scores(PERIOD) is q3
        add("so-tu-phap-1", {"access_info": 1}, when=dt.datetime(2026, 5, 3, 9, 0, tzinfo=LOCAL_ZONE))  # Q2
        assert cache.cached_scores(PERIOD) is q3  # a new Q2 response leaves Q3 as it was
        new_q2 = cache.cached_scores(parse_period("2026-Q2"))
        assert new_q2 is not q2 and new_q2.responses == q2.responses + 1
        audit.record("report_downloaded", None, actor_label="test")
        audit.record("sign_in", None, actor_label="test")
        db.session.commit()
        assert cache.cached_scores(PERIOD) is q3  # a download or a sign-in changes no score
        audit.record("response_flag_confirmed", None, actor_label="test")
        db.session.commit()
        assert cache.cached_scores(PERIOD) is not q3  # reviews and settings changes are audited


def test_office_sets_a_period_target_on_the_web(loaded_app):
    create_accounts(loaded_app, "office")
    client = loaded_app.test_client()
    sign_in(client, ACCOUNTS["office"].email, ACCOUNTS["office"].password)
    token = csrf_token(client, "/office/settings")
    saved = client.post(
        "/office/settings",
        data={
            "csrf_token": token,
            "period": "2026-Q3",
            "target": "92.5",
            "confidence": "0.9",
            "method": "wilson",
            "weighting": "base",
            "note": "Mục tiêu năm 2026",
            "min_respondents": "50",
            "max_width": "25",
            "max_relative_width": "0",
        },
    )
    assert saved.status_code == 302
    bad = client.post(
        "/office/settings",
        data={
            "csrf_token": token,
            "period": "2026-Q9",
            "target": "150",
            "confidence": "0.9",
            "method": "beta",
            "weighting": "none",
        },
    )
    assert bad.status_code == 422
    page = client.get("/office/settings").get_data(as_text=True)
    assert "2026-Q3" in page and "92,5%" in page and "Mục tiêu năm 2026" in page
    with loaded_app.app_context():
        current = settings_for("2026-Q3")
        assert (current.target, current.confidence, current.method, current.weighting) == (0.925, 0.9, "wilson", "base")
        assert (current.min_respondents, current.max_width, current.max_relative_width) == (50, 0.25, None)
        assert (current.min_effective, current.min_cell_size) == (30, 20)  # left empty: kept
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "settings_changed"))
        assert entry.actor == ACCOUNTS["office"].email and entry.details["target_share"] == 0.925


def test_reliability_rules_are_scoring_settings(loaded_app, scored):
    runner = loaded_app.test_cli_runner()
    with loaded_app.app_context():
        report = compute_scores(PERIOD, settings=Settings(weighting="none"))
        province = report.level_rows("province")[0]["estimates"]["overall"]
    assert province.n == 70 and province.reliable and province.decision in ("met", "not_met", "inconclusive")
    saved = runner.invoke(
        args=["scoring-settings", "--period", "2026-Q3", "--weighting", "none", "--min-respondents", "100"]
    )
    assert saved.exit_code == 0 and "n >= 100" in saved.output, saved.output
    as_json = runner.invoke(args=["scores", "--period", "2026-Q3", "--level", "province", "--format", "json"])
    overall = json.loads(as_json.output)["units"][0]["indices"]["overall"]
    assert overall["decision"] == "insufficient" and overall["reliability"] == "few_answers"
    assert overall["n_eff"] <= overall["n"] == 70
    refused = runner.invoke(args=["scoring-settings", "--max-width", "1.5"])
    assert refused.exit_code == 2 and "max-width" in refused.output
    off = runner.invoke(args=["scoring-settings", "--period", "2026-Q3", "--max-relative-width", "0"])
    assert off.exit_code == 0 and "relative width <= off" in off.output and "n >= 100" in off.output


def test_sparse_fields_are_merged_before_post_stratifying_and_recorded(loaded_app, scored):
    runner = loaded_app.test_cli_runner()
    with loaded_app.app_context():
        report = compute_scores(PERIOD, settings=Settings(weighting="poststratify"))
        agencies = {u.id: u.code for u in report.units["agency"].values()}
    # 70 responses in four agencies: no agency has a field with 20 respondents, so each is one cell
    assert sorted(agencies[c.agency_id] for c in report.merged_cells) == sorted(agencies.values())
    assert all(c.whole_agency for c in report.merged_cells)
    assert sum(c.respondents for c in report.merged_cells) == 70
    for level in report.levels:
        n, n_eff = report.main[level].n, report.main[level].n_eff
        assert np.all(n_eff[n > 0] <= n[n > 0] * (1 + 1e-9))
    as_json = runner.invoke(args=["scores", "--period", "2026-Q3", "--level", "agency", "--format", "json"])
    merged = json.loads(as_json.output)["merged_cells"]
    assert {m["agency"] for m in merged} == set(agencies.values()) and all(m["whole_agency"] for m in merged)
    saved = runner.invoke(args=["scoring-settings", "--period", "2026-Q3", "--min-cell-size", "1"])
    assert saved.exit_code == 0, saved.output
    as_json = runner.invoke(args=["scores", "--period", "2026-Q3", "--level", "agency", "--format", "json"])
    assert all(not m["whole_agency"] for m in json.loads(as_json.output)["merged_cells"])
