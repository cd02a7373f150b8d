"""The reform office signs in, sees the communes and former districts compared with a funnel plot, finds a
commune among 75, sorts and drills down."""

from __future__ import annotations

import os
import re
import unicodedata

import pytest

from tests.staff import ACCOUNTS, create_accounts

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(loaded_app, live_server):
    result = loaded_app.test_cli_runner().invoke(args=["demo", "--responses", "3000", "--seed", "8"])
    assert result.exit_code == 0, result.output
    create_accounts(loaded_app, "office")
    return live_server


def sign_in(page, role: str) -> None:
    account = ACCOUNTS[role]
    page.goto("/auth/sign-in")
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Mật khẩu").fill(account.password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_office_dashboard_funnel_sorting_and_drill_down(page, demo_server):
    sign_in(page, "office")
    page.wait_for_url(re.compile(r"/agency/area/son-la"))
    page.select_option("select[name=period]", "2026-Q2")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(re.compile(r"period=2026-Q2"))
    section = page.locator("#compare-former_district")
    funnel = section.locator("svg[role=img]")
    assert funnel.count() == 1
    links = set(funnel.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))"))
    # every former district with enough responses is on the funnel and drills down; the others are listed apart
    too_few = section.locator("table[data-sortable] tbody .decision.insufficient").count()
    assert len({link for link in links if "/agency/area/" in link}) + too_few == 12
    if too_few:
        assert f"{too_few} trên 12 đơn vị chưa đủ phiếu" in section.locator(".excluded").inner_text()
    if os.environ.get("SURVEYAPP_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SURVEYAPP_SCREENSHOTS"], "office.png"), full_page=True)

    table = section.locator("table[data-sortable]")
    rows = table.locator("tbody tr")
    assert rows.count() == 12
    table.get_by_role("button", name="Chỉ số").click()
    values = [float(v) for v in rows.evaluate_all("rs => rs.map(r => r.cells[1].dataset.value)")]
    assert values == sorted(values)
    table.get_by_role("button", name="Chỉ số").click()
    values = [float(v) for v in rows.evaluate_all("rs => rs.map(r => r.cells[1].dataset.value)")]
    assert values == sorted(values, reverse=True)

    table.get_by_role("link", name="Thị xã Mộc Châu").click()
    page.wait_for_url(re.compile(r"/agency/area/moc-chau"))
    page.locator("#compare-agency").get_by_role(
        "link", name=re.compile("Trung tâm Phục vụ hành chính công")
    ).first.click()
    page.wait_for_url(re.compile(r"/agency/agency/ttpv-"))
    page.get_by_role("link", name="Công chức trực tiếp giải quyết công việc").first.click()
    page.wait_for_url(re.compile(r"/index/staff"))
    assert "Lịch sự, tôn trọng" in page.content()


def test_any_of_the_75_communes_is_found_by_name_and_its_point_shown(page, demo_server):
    sign_in(page, "office")
    page.wait_for_url(re.compile(r"/agency/area/son-la"))
    page.goto("/agency/area/son-la?period=2026")
    section = page.locator("#compare-commune")
    rows = section.locator("table[data-sortable] tbody tr")
    points = section.locator("svg[role=img] .points [data-unit]")
    count = rows.count()
    assert count > 60 and points.count() >= 5  # the communes with answers; the reliable ones on the funnel
    on_funnel = set(points.evaluate_all("ps => ps.map(p => p.dataset.unit)"))
    finder = section.get_by_label("Tìm đơn vị")
    # a commune typed without its accents, as on a keyboard without Vietnamese input
    finder.fill("chieng mung")
    visible = rows.evaluate_all("rs => rs.filter(r => !r.hidden).map(r => r.dataset.unit)")
    assert visible == ["xa-chieng-mung"]
    assert "1 / " in section.locator("[data-found]").inner_text()
    # a commune on the funnel: its point stands out, the others fade, and its tooltip names it
    code = sorted(on_funnel)[0]
    name = section.locator(f'tr[data-unit="{code}"] td').first.inner_text().strip()
    finder.fill(
        unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d")).encode("ascii", "ignore").decode()
    )
    assert rows.evaluate_all("rs => rs.filter(r => !r.hidden).map(r => r.dataset.unit)") == [code]
    point = section.locator(f'svg .points [data-unit="{code}"]')
    assert "match" in point.get_attribute("class") and point.is_visible()
    assert point.evaluate("p => getComputedStyle(p).opacity") == "1"
    other = section.locator(f'svg .points [data-unit="{sorted(on_funnel - {code})[0]}"]')
    assert float(other.evaluate("p => getComputedStyle(p).opacity")) < 0.5
    assert name in point.locator("title").text_content()  # its name, not its code, on hover
    # every commune is findable by its own name, and only the communes of the chosen former district stay
    names = rows.evaluate_all("rs => rs.map(r => [r.dataset.unit, r.cells[0].innerText.trim()])")
    for code, name in names[:: max(1, len(names) // 8)]:
        finder.fill(name)
        shown = rows.evaluate_all("rs => rs.filter(r => !r.hidden).map(r => r.dataset.unit)")
        assert code in shown, name
    finder.fill("")
    section.locator("[data-group-filter]").select_option("mai-son")
    shown = rows.evaluate_all("rs => rs.filter(r => !r.hidden).map(r => r.dataset.unit)")
    assert shown and all(code.startswith("xa-") for code in shown) and "xa-chieng-mung" in shown
    assert "phuong-to-hieu" not in shown and len(shown) <= 8
