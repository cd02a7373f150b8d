"""The shipped organisation: Sơn La as it has been since 1 July 2025, with 2021–2025 kept as history."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from collections import Counter as Tally
from pathlib import Path

import pytest
from sqlalchemy import select

from surveyapp.datafiles import read_toml
from surveyapp.db import db
from surveyapp.organisation.history import History
from surveyapp.organisation.models import Agency, Area, UnitSplit

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "son-la"
REFORM = dt.date(2025, 7, 1)
#: The day of the reorganisation as the organisation file reads (dates are text once read and validated).
REFORM_TEXT = REFORM.isoformat()


@pytest.fixture(scope="module")
def shipped() -> dict:
    return read_toml(DATA / "organisation.toml")


@pytest.fixture(scope="module")
def communes() -> list[dict[str, str]]:
    with (DATA / "communes-2025.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_file_is_what_the_build_script_makes_of_the_list_of_communes():
    result = subprocess.run(
        [sys.executable, str(DATA / "build.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_seventy_five_communes_and_wards_with_their_official_codes(shipped, communes):
    current = [a for a in shipped["areas"] if a["level"] == "commune" and "retired_on" not in a]
    assert len(current) == 75 == len(communes)
    assert Tally(a["name"].split()[0] for a in current) == {"Xã": 67, "Phường": 8}
    assert {a["official_code"] for a in current} == {row["code"] for row in communes}
    for code, n in Tally(a["code"] for key in ("areas", "agencies", "counters") for a in shipped[key]).items():
        assert n == 1, code
    assert all(a["established_on"] == REFORM_TEXT and a["parent"] == "son-la" for a in current)
    by_code = {a["code"]: a for a in shipped["areas"]}
    for area in current:
        district = by_code[area["former_district"]]
        assert district["level"] == "district" and district["retired_on"] == REFORM_TEXT
    centres = [g for g in shipped["agencies"] if g["kind"] == "commune-centre"]
    assert sorted(g["area"] for g in centres) == sorted(a["code"] for a in current)
    assert all(g["name"].startswith("Trung tâm Phục vụ hành chính công ") for g in centres)
    assert any(g["code"] == "ttpvhcc-tinh" and g["kind"] == "centre" for g in shipped["agencies"])


def test_every_retired_unit_names_where_its_citizens_went(shipped):
    for key in ("areas", "agencies", "counters"):
        codes = {u["code"]: u for u in shipped[key]}
        for unit in shipped[key]:
            if "retired_on" not in unit:
                assert "successor" not in unit and "split_into" not in unit, unit["code"]
                continue
            assert ("successor" in unit) != ("split_into" in unit), unit["code"]
            targets = [unit["successor"]] if "successor" in unit else [p["unit"] for p in unit["split_into"]]
            for target in targets:
                assert target in codes and "retired_on" not in codes[target], (unit["code"], target)
            if "split_into" in unit:
                assert sum(p["share"] for p in unit["split_into"]) == pytest.approx(1, abs=1e-9)
    retired = {
        u["name"] for u in shipped["agencies"] if u.get("retired_on") == REFORM_TEXT and u["kind"] == "department"
    }
    assert retired == {
        "Sở Kế hoạch và Đầu tư",
        "Sở Lao động - Thương binh và Xã hội",
        "Sở Giao thông vận tải",
        "Sở Thông tin và Truyền thông",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Sở Tài nguyên và Môi trường",
    }
    districts = [a for a in shipped["areas"] if a["level"] == "district"]
    assert len(districts) == 12 and all(a["retired_on"] == REFORM_TEXT for a in districts)


def test_every_former_commune_is_mapped_to_the_commune_it_merged_into(shipped, communes):
    areas = {a["code"]: a for a in shipped["areas"]}
    current = {a["official_code"]: a["code"] for a in areas.values() if "official_code" in a}
    former = [a for a in areas.values() if a["level"] == "commune" and a.get("retired_on") == REFORM_TEXT]
    mapped = Tally(a["successor"] for a in former)
    for row in communes:
        names = [part.strip().removesuffix(" (unchanged)") for part in row["formed_from"].split(";")]
        assert mapped[current[row["code"]]] == len(names), row["name"]
        merged = {areas_name(a) for a in former if a["successor"] == current[row["code"]]}
        assert merged == {bare(name) for name in names}, row["name"]
    assert len(former) == sum(len(row["formed_from"].split(";")) for row in communes)


def areas_name(area: dict) -> str:
    return area["name"].split(" ", 1)[1].removeprefix("trấn ")


def bare(name: str) -> str:
    name = name.split(" (")[0]
    return name.removeprefix("P.").removeprefix("TT ")


def test_history_follows_merges_and_splits(loaded_app):
    with loaded_app.app_context():
        mai_son = db.session.scalar(select(Agency).where(Agency.code == "ttpv-mai-son"))
        history = History.load()
        earlier = history.predecessors("agency", mai_son.id, dt.date(2025, 1, 1))
        codes = {db.session.get(Agency, k).code: share for k, share in earlier.items()}
        district = db.session.scalar(
            select(UnitSplit).where(UnitSplit.kind == "agency", UnitSplit.successor_id == mai_son.id)
        )
        assert codes == {"ubnd-hat-lot": 1.0, "ubnd-mai-son": pytest.approx(district.share)}
        assert history.predecessors("agency", mai_son.id, REFORM) == {}  # nobody before it after the change
        area = db.session.scalar(select(Area).where(Area.code == "xa-mai-son"))
        assert history.area_predecessor_agencies(area.id, dt.date(2025, 1, 1)) == earlier
        finance = db.session.scalar(select(Agency).where(Agency.code == "so-tai-chinh"))
        absorbed = {
            db.session.get(Agency, k).code for k in history.predecessors("agency", finance.id, dt.date(2025, 3, 1))
        }
        assert absorbed == {"so-ke-hoach-dau-tu"}


def test_a_units_page_tells_its_history(loaded_app):
    from tests.staff import ACCOUNTS, create_accounts, sign_in

    create_accounts(loaded_app, "office")
    result = loaded_app.test_cli_runner().invoke(args=["reorganise", str(DATA / "changes" / "example-merge.toml")])
    assert result.exit_code == 0, result.output
    client = loaded_app.test_client()
    assert sign_in(client, ACCOUNTS["office"].email, ACCOUNTS["office"].password).status_code == 302
    commune = client.get("/agency/area/xa-mai-son?period=2026-Q3").get_data(as_text=True)
    history = commune[commune.index('id="history"') :]
    assert "Lịch sử của đơn vị" in history and "Hoạt động từ 01/07/2025" in history
    assert "Hình thành từ" in history and "Thị trấn Hát Lót" in history and "Xã Cò Nòi" in history
    assert "Huyện Mai Sơn" in history  # its former district, a grouping
    district = client.get("/agency/area/mai-son?period=2025-Q1").get_data(as_text=True)
    history = district[district.index('id="history"') :]
    assert "Ngừng hoạt động ngày 01/07/2025" in history and "chia cho" in history and "Xã Chiềng Mai" in history
    merged = client.get("/agency/area/xa-muong-bu?period=2026-Q3").get_data(as_text=True)
    history = merged[merged.index('id="history"') :]
    assert "Ngừng hoạt động ngày 01/01/2027" in history and "Xã Bú Hoa" in history
    assert "example-merge.toml" in history  # the reorganisation that touched it


def test_the_office_compares_the_75_communes_in_a_pdf(loaded_app, tmp_path):
    from surveyapp.demo import generate
    from tests.staff import ACCOUNTS, create_accounts, sign_in
    from tests.surveyapp.reports.conftest import pdf_text

    create_accounts(loaded_app, "office")
    with loaded_app.app_context():
        generate(6000, seed=3, days=365, today=dt.date(2026, 12, 1))
        db.session.commit()
    client = loaded_app.test_client()
    assert sign_in(client, ACCOUNTS["office"].email, ACCOUNTS["office"].password).status_code == 302
    response = client.get("/reports/area/son-la/comparison.pdf?period=2026")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "commune-comparison" in response.headers["Content-Disposition"]
    text = " ".join(pdf_text(response.data, tmp_path).split())
    assert "So sánh các xã" in text
    with loaded_app.app_context():
        names = [a.name for a in db.session.scalars(select(Area).where(Area.established_on == REFORM))]
    missing = [name for name in names if name not in text]
    assert len(names) == 75 and missing == [], missing
