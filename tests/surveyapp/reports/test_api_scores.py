"""Scores as JSON for signed-in staff: the numbers ``scoring`` computed, only within the person's scope."""

from __future__ import annotations

import math

from sqlalchemy import select

from surveyapp.db import db
from surveyapp.organisation.models import Agency
from surveyapp.scores.service import compute_scores
from tests.staff import ACCOUNTS, sign_in
from tests.surveyapp.reports.conftest import PERIOD


def test_a_level_and_a_unit_as_json(demo_app):
    client = demo_app.test_client()
    sign_in(client, ACCOUNTS["area"].email, ACCOUNTS["area"].password)
    listing = client.get(f"/api/v1/scores?period={PERIOD.code}&level=agency").json
    with demo_app.app_context():
        report = compute_scores(PERIOD)
        agency = db.session.scalar(select(Agency).where(Agency.code == "ttpv-moc-chau"))
        overall = report.main.get("agency", agency.id, "overall")
        harassment = report.extra.get("agency", agency.id, "harassment")
        counters = {c.code for c in agency.counters if c.id in report.respondents["counter"]}
    assert (listing["period"], listing["versions"], listing["scope"]) == (
        "2026-Q3",
        ["sipas v1", "sipas v2"],  # the demo's full form, and a comment sent with the newest version
        "area:phuong-moc-chau",
    )
    assert listing["settings"]["target"] == 0.9 and listing["level"] == "agency"
    assert [u["code"] for u in listing["units"]] == ["ttpv-moc-chau"]  # the district's only agency with responses
    unit = listing["units"][0]
    assert math.isclose(unit["indices"]["overall"]["estimate"], overall.estimate)
    assert unit["indices"]["overall"]["decision"] == overall.decision
    assert math.isclose(unit["indices"]["harassment"]["upper"], harassment.upper)

    detail = client.get(f"/api/v1/scores/agency/ttpv-moc-chau?period={PERIOD.code}").json
    assert detail["unit"]["respondents"] == report.respondents["agency"][agency.id]
    assert detail["unit"]["left_out_flagged"] == 3
    assert [a["level"] for a in detail["above"]] == ["commune", "former_district", "province"]
    assert {c["code"] for c in detail["children"]} == counters and len(counters) >= 2

    assert client.get("/api/v1/scores/agency/so-tu-phap").status_code == 404
    bad = client.get(f"/api/v1/scores?period={PERIOD.code}&level=planet")
    assert bad.status_code == 400 and bad.json["where"] == "level" and "planet" in bad.json["message"]
    assert client.get("/api/v1/scores?period=2026-Q9").json["where"] == "period"
    supervisor = demo_app.test_client()
    sign_in(supervisor, ACCOUNTS["supervisor"].email, ACCOUNTS["supervisor"].password)
    assert supervisor.get("/api/v1/scores").status_code == 403
