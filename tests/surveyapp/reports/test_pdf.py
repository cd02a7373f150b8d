"""The PDF reports read as their readers read them: text extracted with pdftotext, pages rendered with pdftoppm.

Numbers are checked against ``scoring``'s results (through ``compute_scores``), formatted the Vietnamese way.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata

import pytest
from sqlalchemy import select

from surveyapp.audit.models import AuditEntry
from surveyapp.db import db
from surveyapp.i18n import format_percent
from surveyapp.organisation.models import Agency, Area
from surveyapp.organisation.tree import OrgTree, Scope
from surveyapp.reports import pdf as pdf_module
from surveyapp.reports.data import Scores, compare_level
from surveyapp.reports.render import unit_report
from surveyapp.reports.scope import inside
from surveyapp.scores.service import compute_scores
from tests.staff import ACCOUNTS, sign_in
from tests.surveyapp.reports.conftest import FLAGGED, HOSTILE, PERIOD, page_inks, pdf_text, tool

DECISION_VI = {
    "met": "Đạt mục tiêu 90%",
    "not_met": "Chưa đạt mục tiêu 90%",
    "inconclusive": "Chưa đủ căn cứ kết luận",
    "insufficient": "Chưa đủ phiếu để kết luận",
}
DECISION_EN = {
    "met": "Target of 90% met",
    "not_met": "Target of 90% not met",
    "inconclusive": "Not enough evidence",
    "insufficient": "Not enough responses to conclude",
}


def download(client, role: str, url: str):
    account = ACCOUNTS[role]
    assert sign_in(client, account.email, account.password).status_code == 302
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response


def flat(text: str) -> str:
    """The text with its line breaks and runs of spaces made single spaces (table cells wrap)."""
    return " ".join(text.split())


def test_agency_report_in_vietnamese_matches_the_scores(demo_app, tmp_path):
    client = demo_app.test_client()
    response = download(client, "manager", f"/reports/agency/ttpv-moc-chau.pdf?period={PERIOD.code}")
    assert 'filename="2026-Q3-agency-ttpv-moc-chau-vi.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data, tmp_path)
    words = flat(text)
    assert "\ufffd" not in text and unicodedata.is_normalized("NFC", text)
    for heading in (
        "BÁO CÁO MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN",
        "Trung tâm Phục vụ hành chính công phường Mộc Châu",
        "Quý 3 năm 2026 (01/07/2026 – 30/09/2026)",
        "Số liệu tính đến",
        "Phiếu khảo sát",
        "1. Kết quả theo yếu tố",
        "2. Kết quả theo tiêu chí",
        "3. So sánh với địa bàn cấp trên",
        "4. Diễn biến qua các kỳ gần đây",
        "5. Liêm chính trong phục vụ",
        "6. Người dân mong muốn cải thiện",
        "7. Ý kiến của người dân",
        "Phụ lục: phương pháp tính",
        "Trọng số được sử dụng",
        "Tính tự nguyện của người trả lời",
        "Bị gây phiền hà, nhũng nhiễu",
    ):
        assert heading in words, heading
    with demo_app.app_context():
        report = compute_scores(PERIOD)
        agency = db.session.scalar(select(Agency).where(Agency.code == "ttpv-moc-chau"))
        overall = report.main.get("agency", agency.id, "overall")
        elements = [report.main.get("agency", agency.id, e.code) for e in report.questionnaire.elements]
        criteria = [report.main.get("agency", agency.id, q.code) for q in report.questionnaire.criteria]
        respondents = report.respondents["agency"][agency.id]
        audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report_downloaded")).all()
    assert [(a.actor, a.target, a.details["comments"]) for a in audit] == [
        (ACCOUNTS["manager"].email, "agency:ttpv-moc-chau", True)
    ]
    pct = lambda value: format_percent(value, "vi")  # noqa: E731
    assert f"Chỉ số hài lòng chung {pct(overall.estimate)}" in words
    assert f"Khoảng tin cậy 95%: {pct(overall.lower)} – {pct(overall.upper)}" in words
    assert DECISION_VI[overall.decision] in words
    assert f"Số phiếu được tính {respondents}" in words
    assert f"Loại vì nghi vấn {FLAGGED} phiếu bị gắn cờ nghi vấn (không tính)" in words
    assert f"Trong kỳ này có {FLAGGED} phiếu bị loại." in words  # the appendix counts the unit's own
    for e in elements:
        assert f"{pct(e.estimate)} {pct(e.lower)} – {pct(e.upper)} {e.n}" in words
    for c in criteria:
        assert f"{pct(c.estimate)} {pct(c.lower)} – {pct(c.upper)} {c.n}" in words
    reliable = [c for c in criteria if c.reliable]
    assert words.count(" ! ") >= min(3, len(reliable))  # the weakest reliable criteria are marked
    assert words.count("Trục bắt đầu từ") == 2  # the element and criterion bar charts, each with its axis note
    assert "Khoảng tin cậy 95% Mục tiêu 90% Không có số liệu" in words  # the trend chart's legend (2025-Q4 is empty)
    pages = len(text.split("\f")) - 1
    assert f"Trang 1 / {pages}" in words and f"Trang {pages} / {pages}" in words
    assert "<script>" in words  # the manager reads comments, escaped as text
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    fonts = subprocess.run([tool("pdffonts"), str(path)], capture_output=True, check=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(row[-5] == "yes" for row in rows), fonts  # every font embedded
    assert any("Noto-Sans" in row[0] for row in rows), fonts
    inks = page_inks(response.data, tmp_path)
    assert len(inks) == pages and min(inks) > 0.002, inks


def test_english_report_on_request(demo_app, tmp_path):
    client = demo_app.test_client()
    response = download(client, "area", f"/reports/area/phuong-moc-chau.pdf?period={PERIOD.code}&lang=en")
    words = flat(pdf_text(response.data, tmp_path))
    with demo_app.app_context():
        report = compute_scores(PERIOD)
        area = db.session.scalar(select(Area).where(Area.code == "phuong-moc-chau"))
        overall = report.main.get("commune", area.id, "overall")
    for heading in (
        "CITIZEN SATISFACTION REPORT",
        "Mộc Châu ward",
        "Quarter 3 of 2026",
        "1. Results by element",
        "4. Trend over the last periods",
        "7. Citizens' comments",
        "Appendix: how the figures are computed",
        "Agencies",
    ):
        assert heading in words, heading
    assert f"Overall satisfaction index {format_percent(overall.estimate, 'en')}" in words
    assert DECISION_EN[overall.decision] in words
    assert "Page 1 / " in words


def test_a_hostile_comment_is_text_and_the_renderer_fetches_nothing_but_the_stylesheet(demo_app, tmp_path, monkeypatch):
    fetchers = []

    def recording_fetcher(app=None):
        fetchers.append(pdf_module.StaticFilesOnly(demo_app.static_folder, demo_app.static_url_path))
        return fetchers[-1]

    monkeypatch.setattr(pdf_module, "fetcher_for", recording_fetcher)
    with demo_app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.code == "ttpv-moc-chau"))
        rendered = unit_report(Scores(), PERIOD, "agency", agency.id, "vi", include_comments=True, minimum_group=5)
        stylesheet = pdf_module.static_url("css/report.css")
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in rendered.html
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in rendered.html
    for raw in ("<img", "<script", "<b>Rất", 'evil.example/">', "<a href"):
        assert raw not in rendered.html, raw
    words = flat(pdf_text(rendered.pdf, tmp_path))
    assert HOSTILE in words
    assert [f.fetched for f in fetchers] == [[stylesheet]] and [f.refused for f in fetchers] == [[]]


def test_the_fetcher_refuses_every_url_but_the_apps_static_files(demo_app, tmp_path):
    fetcher = pdf_module.StaticFilesOnly(demo_app.static_folder, demo_app.static_url_path)
    origin = pdf_module.ORIGIN
    refused = [
        "file:///etc/passwd",
        "data:text/css;base64,Ym9keXtjb2xvcjpyZWR9",
        "http://127.0.0.1:5000/static/css/report.css",
        "https://evil.example/static/css/report.css",
        "https://surveyapp.invalid.evil.example/static/css/report.css",
        f"{origin}/static/../surveyapp/config.py",
        f"{origin}/static/%2e%2e/%2e%2e/setup.cfg",
        f"{origin}/static/css/../../reports/pdf.py",
        f"{origin}/auth/sign-in",
        f"{origin}/static/css/missing.css",
        f"{origin}/static/css/report.css?x=1",
    ]
    for url in refused:
        with pytest.raises(pdf_module.RefusedURLError):
            fetcher.resolve(url)
    assert fetcher.resolve(f"{origin}/static/css/report.css").name == "report.css"
    # Defence in depth: markup that did reach the renderer is rendered without any of its URLs.
    html = (
        '<html><head><link rel="stylesheet" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        f'<link rel="stylesheet" href="{origin}/static/css/report.css"></head><body><p>Nội dung</p>'
        '<img src="file:///etc/passwd"><img src="data:image/svg+xml;base64,PHN2Zy8+">'
        f'<img src="{origin}/static/../../setup.cfg"></body></html>'
    )
    pdf = pdf_module.render_pdf(html, fetcher)
    assert fetcher.fetched == [f"{origin}/static/css/report.css"]
    assert set(fetcher.refused) == {
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "data:image/svg+xml;base64,PHN2Zy8+",
        f"{origin}/static/../../setup.cfg",
    }
    text = pdf_text(pdf, tmp_path)
    assert "Nội dung" in text and "root:" not in text


def test_province_report_compares_every_former_district(demo_app, tmp_path):
    client = demo_app.test_client()
    response = download(
        client, "office", f"/reports/area/son-la/comparison.pdf?period={PERIOD.code}&level=former_district"
    )
    assert "2026-Q3-province-son-la-former_district-comparison-vi.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data, tmp_path)
    words = flat(text)
    with demo_app.app_context():
        report = compute_scores(PERIOD)
        province = db.session.scalar(select(Area).where(Area.code == "son-la"))
        keep = inside(OrgTree.load(), Scope("area", province.id))
        comparison = compare_level(report, "former_district", "vi", keep=keep)
        districts = [report.units["former_district"][i] for i in report.respondents["former_district"]]
    for heading in (
        "So sánh các khu vực (huyện cũ",
        "Tỉnh Sơn La",
        "1. Chỉ số, khoảng tin cậy và kết luận của từng đơn vị",
        "2. Biểu đồ phễu",
        "3. Ước lượng điều chỉnh và xác suất dưới mục tiêu",
        "4. Kết quả theo yếu tố",
        "5. Khác biệt giữa các đơn vị",
        "Phụ lục: phương pháp tính",
        "So sánh giữa các đơn vị",
    ):
        assert heading in words, heading
    assert len(districts) == len(comparison.views) == 12
    pct = lambda value: format_percent(value, "vi")  # noqa: E731
    rules_vi = {
        "few_answers": "chưa đủ số phiếu tối thiểu",
        "small_effective_size": "cỡ mẫu hiệu dụng quá nhỏ",
        "wide_interval": "khoảng tin cậy quá rộng",
        "wide_relative_interval": "khoảng tin cậy quá rộng so với chỉ số gần 0% hoặc 100%",
    }
    excluded = {view.unit.code: rules_vi[rule] for view, rule in comparison.excluded}
    assert len(excluded) < len(comparison.views)  # the former districts gather their communes' answers
    if excluded:
        assert f"{len(excluded)} đơn vị chưa đủ phiếu để kết luận: được liệt kê riêng, không so sánh." in words
    for view in comparison.views:
        e = view.headline
        if view.unit.code in excluded:  # listed apart with its responses and the rule, never with a rank
            assert f"{view.unit.name} {view.respondents} {excluded[view.unit.code]}" in words, view.unit.name
            assert f"{view.unit.name} {view.respondents} {pct(e.estimate)}" not in words, view.unit.name
        else:
            assert f"{view.unit.name} {view.respondents} {pct(e.estimate)} {pct(e.lower)} – {pct(e.upper)}" in words
    shrink = comparison.shrinkage
    assert not set(excluded) & set(shrink.labels)
    for label, mean in zip(shrink.labels, shrink.mean, strict=True):
        name = report.units["former_district"][next(v.unit.id for v in comparison.views if v.unit.code == label)].name
        assert re.search(rf"{re.escape(name)} \d+,\d% {re.escape(pct(mean))}", words), name
    assert "Trục bắt đầu từ" in words  # the units' bar chart
    assert "Cỡ mẫu hiệu dụng (n*), thang logarit" in words  # the funnel plot's axis
    holm = sum(d in ("higher", "lower") for d in comparison.holm.decision)
    pairs = len(comparison.holm.decision)
    assert f"Trong {pairs} cặp đơn vị, {holm} cặp có khác biệt sau hiệu chỉnh Holm" in words
    inks = page_inks(response.data, tmp_path)
    assert min(inks) > 0.002, inks
