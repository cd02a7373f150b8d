"""The dashboard: scores, fair comparisons and drill-down, scoped to each person."""

from __future__ import annotations

import re

import pytest

from surveyapp.i18n import format_percent
from surveyapp.numbers import Measure, format_estimate, format_interval, shown_interval
from surveyapp.periods import parse_period
from surveyapp.scores.measures import measure_of
from surveyapp.scores.service import compute_scores
from tests.staff import ACCOUNTS, create_accounts, sign_in

PERIOD = "2026-Q2"


@pytest.fixture
def demo_app(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["setup-demo", "--responses", "4000", "--seed", "5"])
    assert result.exit_code == 0, result.output
    create_accounts(app)
    return app


def signed_in(app, role: str):
    client = app.test_client()
    account = ACCOUNTS[role]
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def test_office_lands_on_the_province_with_communes_and_former_districts_compared(demo_app):
    client = signed_in(demo_app, "office")
    home = client.get("/agency/")
    assert home.status_code == 302 and home.headers["Location"].startswith("/agency/area/son-la")
    page = client.get(f"/agency/area/son-la?period={PERIOD}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    with demo_app.app_context():
        report = compute_scores(parse_period(PERIOD))
        [province] = report.level_rows("province")
        overall = province["estimates"]["overall"]
        communes = report.level_rows("commune")
        districts = report.level_rows("former_district")
    assert format_percent(overall.estimate, "vi") in html  # the headline, Vietnamese style
    assert f"[{format_percent(overall.lower, 'vi')}–{format_percent(overall.upper, 'vi')}]" in html
    assert len(districts) == 12 and len(communes) > 40
    for row in (*communes, *districts):
        assert f'href="/agency/area/{row["unit"].code}?period={PERIOD}' in html
    assert "khu vực (huyện cũ" in html  # the former districts are named as a grouping, not a level
    assert html.count("<svg") >= 4 and 'role="img"' in html  # element bars, trend, funnels
    assert "Holm" in html and "Khác biệt từng cặp" in html
    assert "Xác suất dưới mục tiêu" in html or "P(dưới mục tiêu)" in html
    bh = client.get(f"/agency/area/son-la?period={PERIOD}&adjust=bh").get_data(as_text=True)
    assert "Benjamini–Hochberg" in bh


def test_drill_down_from_district_to_criterion(demo_app):
    client = signed_in(demo_app, "office")
    district = client.get(f"/agency/area/phuong-moc-chau?period={PERIOD}").get_data(as_text=True)
    assert "Trung tâm Phục vụ hành chính công phường Mộc Châu" in district
    assert f"/agency/agency/ttpv-moc-chau?period={PERIOD}" in district
    agency = client.get(f"/agency/agency/ttpv-moc-chau?period={PERIOD}").get_data(as_text=True)
    assert f"/agency/counter/ttpv-moc-chau-dat-dai?period={PERIOD}" in agency
    assert f"/agency/agency/ttpv-moc-chau/index/staff?period={PERIOD}" in agency
    element = client.get(f"/agency/agency/ttpv-moc-chau/index/staff?period={PERIOD}")
    assert element.status_code == 200
    assert "Lịch sự, tôn trọng" in element.get_data(as_text=True)
    criterion = client.get(f"/agency/agency/ttpv-moc-chau/index/staff_polite?period={PERIOD}")
    assert criterion.status_code == 200 and "Lịch sự, tôn trọng" in criterion.get_data(as_text=True)
    counter = client.get(f"/agency/counter/ttpv-moc-chau-dat-dai?period={PERIOD}")
    assert counter.status_code == 200
    assert client.get(f"/agency/agency/ttpv-moc-chau/index/nonsense?period={PERIOD}").status_code == 404


def test_filters_and_bad_choices(demo_app):
    client = signed_in(demo_app, "office")
    whole = client.get(f"/agency/area/son-la?period={PERIOD}").get_data(as_text=True)
    land = client.get(f"/agency/area/son-la?period={PERIOD}&field=land").get_data(as_text=True)
    respondents = re.compile(r"(\d+) người trả lời")
    assert int(respondents.search(land)[1]) < int(respondents.search(whole)[1])
    assert client.get("/agency/area/son-la?period=2026-Q5").status_code == 400
    bad_field = client.get("/agency/area/son-la?field=astrology")
    assert bad_field.status_code == 400 and "astrology" in bad_field.get_data(as_text=True)
    assert client.get("/agency/area/son-la?instrument=nothing").status_code == 400
    rating = client.get(f"/agency/area/son-la?period={PERIOD}&instrument=rating")
    assert rating.status_code == 200 and "Tỷ lệ hài lòng" in rating.get_data(as_text=True)
    english = client.get(f"/agency/area/son-la?period={PERIOD}&lang=en").get_data(as_text=True)
    assert "Overall satisfaction index" in english and "Mộc Châu town" in english


def test_area_officer_sees_only_their_district(demo_app):
    client = signed_in(demo_app, "area")
    home = client.get("/agency/")
    assert home.headers["Location"].startswith("/agency/area/phuong-moc-chau")
    page = client.get(f"/agency/area/phuong-moc-chau?period={PERIOD}").get_data(as_text=True)
    assert "ttpv-moc-chau" in page and "so-tu-phap" not in page and "Sở Tư pháp" not in page
    assert client.get(f"/agency/area/son-la?period={PERIOD}").status_code == 404
    assert client.get(f"/agency/agency/so-tu-phap?period={PERIOD}").status_code == 404


def test_agency_manager_lands_on_their_agency(demo_app):
    client = signed_in(demo_app, "manager")
    assert client.get("/agency/").headers["Location"].startswith("/agency/agency/ttpv-moc-chau")
    assert client.get(f"/agency/area/phuong-moc-chau?period={PERIOD}").status_code == 404


def test_comments_only_for_roles_that_may_read_them(demo_app):
    manager = signed_in(demo_app, "manager").get("/agency/agency/ttpv-moc-chau?period=2026").get_data(as_text=True)
    viewer = signed_in(demo_app, "viewer").get("/agency/agency/ttpv-moc-chau?period=2026").get_data(as_text=True)
    assert "Ý kiến của người dân" in manager
    assert "Ý kiến của người dân" not in viewer


def test_counter_supervisor_goes_to_the_devices(demo_app):
    client = signed_in(demo_app, "supervisor")
    assert client.get("/agency/").headers["Location"].endswith("/agency/devices")


def test_the_case_evaluation_is_shown_in_points_out_of_its_maximum(demo_app):
    client = signed_in(demo_app, "office")
    with demo_app.app_context():
        report = compute_scores(parse_period(PERIOD), "case")
        [province] = report.level_rows("province")
        points = province["estimates"]["points"]
        measure = measure_of(report.questionnaire, "points")
    assert measure == Measure.points(18)  # derived from the questionnaire: nine indicators scored 2/1/0
    page = client.get(f"/agency/area/son-la?period={PERIOD}&instrument=case")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    headline = html[html.index('<p class="big">') : html.index("</p>", html.index('<p class="big">'))]
    assert f"<strong>{format_estimate(points.estimate, measure, 'vi')}</strong>" in headline
    assert " / 18 điểm</strong>" in headline and "%" not in headline
    assert f"[{format_interval(*shown_interval(points, measure), measure, 'vi')}]" in headline
    assert re.search(r"\[\d+,\d–\d+,\d\]", headline)  # "[15,1–16,1]": a decimal comma, no percent sign
    assert "Điểm trung bình (thang 18 điểm)" in html  # the trend chart's axis
    assert 'class="target"' not in html  # no 90% line on a scale of points
    assert points.n < 30  # one counter evaluates cases in the demo: too few to conclude
    assert "Chưa đủ phiếu để kết luận" in headline and "điểm %" not in html
    for change in re.findall(r"Thay đổi so với [^<]*", html):  # a change, where shown, is in points with its interval
        assert re.fullmatch(
            r"Thay đổi so với \d{4}-Q\d: [+−]?\d+,\d điểm \[[+−]?\d+,\d điểm; [+−]?\d+,\d điểm\]", change
        )
    english = client.get(f"/agency/area/son-la?period={PERIOD}&instrument=case&lang=en").get_data(as_text=True)
    assert f"<strong>{format_estimate(points.estimate, measure, 'en')}</strong>" in english
    assert " / 18 points</strong>" in english
    index = client.get(f"/agency/area/son-la/index/points?period={PERIOD}&instrument=case").get_data(as_text=True)
    assert f"<strong>{format_estimate(points.estimate, measure, 'vi')}</strong>" in index
    assert "instrument=case" in html and "/reports/area/son-la.pdf?" in html  # its PDF report
