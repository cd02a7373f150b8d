"""The organisation file and service volumes: loading, reloading, history, and refusals with reasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from surveyapp.config import PROJECT_ROOT
from surveyapp.datafiles import DefinitionError
from surveyapp.db import db
from surveyapp.organisation.loader import load_organisation, load_volumes
from surveyapp.organisation.models import Agency, Area, Counter, Field, ServiceVolume

SON_LA = PROJECT_ROOT / "data" / "son-la" / "organisation.toml"
VOLUMES = PROJECT_ROOT / "data" / "son-la" / "service-volumes.csv"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def by_code(model, code):
    return db.session.scalar(select(model).where(model.code == code))


def test_son_la_loads_with_its_twelve_districts(app):
    with app.app_context():
        summary = load_organisation(SON_LA)
        db.session.commit()
        province = by_code(Area, "son-la")
        districts = [a for a in province.children if a.level == "district"]
        assert len(districts) == 12
        assert {a.name for a in districts} >= {"Thành phố Sơn La", "Thị xã Mộc Châu", "Huyện Sốp Cộp", "Huyện Vân Hồ"}
        assert summary.counters == count(Counter) >= 60
        commune = by_code(Area, "chieng-le")
        assert commune.parent.code == "tp-son-la" and commune.parent.parent is province
        counter = by_code(Counter, "ttpv-moc-chau-dat-dai")
        assert counter.agency.area.code == "phuong-moc-chau"
        assert counter.field.code == "land"
        assert counter.opening_hours["mon"] == [["07:00", "11:30"], ["13:30", "17:00"]]
        assert "sat" in by_code(Counter, "so-tu-phap-1").opening_hours
        assert by_code(Counter, "so-tu-phap-2").instrument_code == "case"


def test_reloading_updates_in_place(app, tmp_path: Path):
    with app.app_context():
        load_organisation(SON_LA)
        db.session.commit()
        before = count(Counter), count(Agency), count(Area)
        renamed = SON_LA.read_text(encoding="utf-8").replace('name = "Sở Tư pháp"', 'name = "Sở Tư pháp tỉnh Sơn La"')
        path = tmp_path / "org.toml"
        path.write_text(renamed, encoding="utf-8")
        load_organisation(path)
        db.session.commit()
        assert (count(Counter), count(Agency), count(Area)) == before
        assert by_code(Agency, "so-tu-phap").name == "Sở Tư pháp tỉnh Sơn La"


def test_retiring_and_merging_keeps_units(app, tmp_path: Path):
    merge = """
format = 1
[[areas]]
code = "chieng-le"
level = "commune"
parent = "tp-son-la"
name = "Phường Chiềng Lề"
retired_on = 2025-07-01
successor = "to-hieu-new"

[[areas]]
code = "to-hieu-new"
level = "commune"
parent = "son-la"
name = "Phường Tô Hiệu"
"""
    path = tmp_path / "merge.toml"
    path.write_text(merge, encoding="utf-8")
    with app.app_context():
        load_organisation(SON_LA)
        load_organisation(path)
        db.session.commit()
        old = by_code(Area, "chieng-le")
        assert old.retired_on == dt.date(2025, 7, 1)
        assert old.successor.code == "to-hieu-new"
        assert not old.in_service(dt.date(2025, 7, 1)) and old.in_service(dt.date(2025, 6, 30))
        assert by_code(Agency, "ubnd-chieng-le").area is old


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        (
            'format = 1\n[[areas]]\ncode = "a"\nlevel = "x"\nname = "A"\nparent = "nowhere"\n',
            "areas[0].parent",
            "'nowhere' is not a known code",
        ),
        (
            'format = 1\n[[areas]]\ncode = "a"\nlevel = "x"\nname = "A"\nparent = "b"\n'
            '[[areas]]\ncode = "b"\nlevel = "x"\nname = "B"\nparent = "a"\n',
            "areas",
            "its own ancestor",
        ),
        (
            'format = 1\n[[areas]]\ncode = "a"\nlevel = "x"\nname = "A"\n'
            '[[areas]]\ncode = "a"\nlevel = "x"\nname = "B"\n',
            "areas",
            "listed 2 times",
        ),
        (
            'format = 1\n[[areas]]\ncode = "a"\nlevel = "x"\nname = "A"\n[[agencies]]\ncode = "g"\nkind = "k"\n'
            'area = "a"\nname = "G"\n[[counters]]\ncode = "c"\nagency = "g"\nname = "C"\nhours = "weekends"\n',
            "counters[0].hours",
            "not a template",
        ),
        (
            'format = 1\n[hours.bad]\nmon = ["17:00-07:00"]\n[[areas]]\ncode = "a"\nlevel = "x"\nname = "A"\n',
            "hours.bad.mon[0]",
            "ends before it starts",
        ),
        (
            'format = 1\n[hours.bad]\nmon = ["7h-11h"]\n[[areas]]\ncode = "a"\nlevel = "x"\nname = "A"\n',
            "hours.bad.mon[0]",
            "does not match",
        ),
        ('format = 1\n[[areas]]\ncode = "A B"\nlevel = "x"\nname = "A"\n', "areas[0].code", "not a valid code"),
    ],
    ids=["unknown-parent", "cycle", "duplicate", "unknown-hours", "backwards-hours", "bad-span", "bad-code"],
)
def test_broken_organisation_files_are_refused_with_the_place(app, tmp_path: Path, text, path, words):
    file = tmp_path / "org.toml"
    file.write_text(text, encoding="utf-8")
    with app.app_context():
        with pytest.raises(DefinitionError) as caught:
            load_organisation(file)
        db.session.rollback()
        assert any(p == path and words in m for p, m in caught.value.problems), caught.value.problems
        assert count(Area) == 0


def test_service_volumes_load_and_reload_replaces_numbers(app, tmp_path: Path):
    with app.app_context():
        load_organisation(SON_LA)
        summary = load_volumes(VOLUMES)
        db.session.commit()
        assert summary.periods == tuple(f"{y}-Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4))
        assert count(ServiceVolume) == summary.rows == len(VOLUMES.read_text().splitlines()) - 1
        path = tmp_path / "v.csv"
        path.write_text("agency,field,period,cases\nso-tu-phap,judicial-record,2026-Q1,12345\n", encoding="utf-8")
        load_volumes(path)
        db.session.commit()
        assert count(ServiceVolume) == summary.rows
        stored = db.session.scalar(
            select(ServiceVolume.cases)
            .join(Agency)
            .join(Field)
            .where(Agency.code == "so-tu-phap", Field.code == "judicial-record", ServiceVolume.period == "2026-Q1")
        )
        assert stored == 12345


def test_bad_volume_rows_are_reported_by_line(app, tmp_path: Path):
    path = tmp_path / "v.csv"
    path.write_text(
        "agency,field,period,cases\n"
        "so-tu-phap,judicial-record,2026-Q5,10\n"
        "nobody,land,2026-Q1,10\n"
        "so-tu-phap,land,2026-Q1,-3\n"
        "so-tu-phap,land,2026-Q2\n",
        encoding="utf-8",
    )
    with app.app_context():
        load_organisation(SON_LA)
        db.session.commit()
        with pytest.raises(DefinitionError) as caught:
            load_volumes(path)
        problems = dict(caught.value.problems)
        assert "2026-Q5" in problems["line 2"]
        assert "unknown agency 'nobody'" in problems["line 3"]
        assert "whole number" in problems["line 4"]
        assert "number of columns" in problems["line 5"]
        assert count(ServiceVolume) == 0


def test_volume_file_with_a_wrong_header_is_refused(app, tmp_path: Path):
    path = tmp_path / "v.csv"
    path.write_text("agency;field;period;cases\n", encoding="utf-8")
    with app.app_context(), pytest.raises(DefinitionError, match="header must be agency,field,period,cases"):
        load_volumes(path)
