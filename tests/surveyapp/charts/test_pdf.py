"""Charts in a PDF report: WeasyPrint draws them, their Vietnamese text survives as text, pages are not blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import weasyprint

from scoring._funnel import classify_funnel, funnel_curve
from surveyapp.charts import (
    FunnelLimitLines,
    IndexItem,
    TrendPoint,
    funnel_plot,
    funnel_points,
    index_bar_chart,
    sparkline,
    trend_chart,
)

CHARTS = {
    "bars": index_bar_chart(
        [
            IndexItem("Tiếp cận dịch vụ", 0.912, 0.884, 0.936, n=412),
            IndexItem("Thủ tục hành chính", 0.861, 0.826, 0.891, n=409, highlight=True),
            IndexItem("Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", no_estimate=True, n=3),
        ]
    ),
    "funnel": funnel_plot(
        funnel_points(
            classify_funnel(
                [0.93, 0.81, 0.9, 0.97, 0.88],
                [120, 300, 800, 600, 240],
                labels=["Huyện Mộc Châu", "Huyện Thuận Châu", "Huyện Mai Sơn", "Huyện Sông Mã", "Huyện Yên Châu"],
            ),
            hrefs={"Huyện Thuận Châu": "/office/districts/thuan-chau"},
        ),
        FunnelLimitLines.from_limits(funnel_curve(80, 1100, num=80)),
    ),
    "trend": trend_chart(
        [
            TrendPoint("2025-Q4", 0.874, 0.85, 0.895, n=380),
            TrendPoint("2026-Q1"),
            TrendPoint("2026-Q2", 0.912, 0.89, 0.931, n=402),
        ]
    ),
    "table": (
        "<table><tr><td>Sở Tư pháp</td><td>"
        + sparkline([TrendPoint("2026-Q1", 0.874), TrendPoint("2026-Q2", 0.912)])
        + "</td></tr></table>"
    ),
}


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing; scripts/setup installs poppler-utils."
    return path


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One A4 page per chart, each chart 150 mm wide as in a report."""
    pages = "".join(
        f'<section style="width: 150mm; page-break-after: always">{svg}</section>' for svg in CHARTS.values()
    )
    head = '<meta charset="utf-8"><style>@page { size: A4 }</style>'
    html = f'<!doctype html><html lang="vi"><head>{head}</head><body>{pages}</body></html>'
    path = tmp_path_factory.mktemp("pdf") / "charts.pdf"
    weasyprint.HTML(string=html).write_pdf(path)
    return path


def test_vietnamese_text_survives_as_text(pdf):
    text = subprocess.run([_tool("pdftotext"), str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    for phrase in (
        "Mục tiêu 90%",
        "Tiếp cận dịch vụ",
        "Thủ tục hành chính",
        "không có số liệu",
        "Khoảng tin cậy 95%",
        "91,2%",
        "Huyện Thuận Châu",
        "Dưới giới hạn 99,8%",
        "Cỡ mẫu (n), thang logarit",
        "Tỷ lệ hài lòng",
        "Sở Tư pháp",
    ):
        assert phrase in text, phrase
    assert "Biểu đồ" not in text  # the description is for screen readers, not printed


def _dark_share(pgm: bytes) -> float:
    """Share of the pixels of a binary greyscale PGM darker than near-white."""
    fields, offset = [], 0
    while len(fields) < 4:  # magic, width, height, maximum value
        while pgm[offset : offset + 1].isspace():
            offset += 1
        end = offset
        while not pgm[end : end + 1].isspace():
            end += 1
        fields.append(pgm[offset:end])
        offset = end
    assert fields[0] == b"P5" and fields[3] == b"255"
    pixels = pgm[offset + 1 :]
    assert len(pixels) == int(fields[1]) * int(fields[2])
    return sum(1 for value in pixels if value < 200) / len(pixels)


def test_every_page_shows_its_chart(pdf, tmp_path):
    subprocess.run([_tool("pdftoppm"), "-r", "40", "-gray", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == len(CHARTS)
    shares = [_dark_share(page.read_bytes()) for page in pages]
    for name, share in zip(CHARTS, shares, strict=True):
        # A blank page has no dark pixel; a chart has ink over 1–2 % of an A4 page, a sparkline row 0.08 %.
        assert share > (0.0002 if name == "table" else 0.004), (name, share)
