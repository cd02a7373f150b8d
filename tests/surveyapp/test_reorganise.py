"""Reorganising by change file: a dry run changes nothing, a run changes the organisation in one audited
transaction without re-attributing a response or stranding a device, its reversal restores the organisation,
and a bad file is refused whole with a sentence per problem."""

from __future__ import annotations

import datetime as dt
import tomllib
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from surveyapp.audit.models import AuditEntry
from surveyapp.db import db, utcnow
from surveyapp.devices.models import Device
from surveyapp.devices.service import enrol
from surveyapp.organisation.changes import changes_of
from surveyapp.organisation.models import Agency, Area, Counter, UnitSplit
from surveyapp.questionnaires.loader import current_version
from surveyapp.responses.models import Response
from surveyapp.responses.service import Draft, record
from tests.helpers import sipas_form_answers

DATA = Path(__file__).resolve().parents[2] / "data" / "son-la" / "changes"
MODELS = {"area": Area, "agency": Agency, "counter": Counter}
OWNER = {"area": "parent", "agency": "area", "counter": "agency"}

#: Every operation at once, on 1 January 2030.
CHANGE = """\
format = 1
effective = 2030-01-01
title = "Test: merge, split, rename, move and retire"

[[merge]]
units = "areas"
from = ["xa-muong-bu", "xa-chieng-hoa"]

[merge.into]
code = "xa-bu-hoa"
name = "Xã Bú Hoa"
level = "commune"
parent = "son-la"
former_district = "muong-la"
official_code = "99001"

[[merge]]
units = "agencies"
from = ["ttpv-chieng-hoa"]
into = "ttpv-muong-bu"

[[move_agency]]
agency = "ttpv-muong-bu"
to = "xa-bu-hoa"

[[move_counter]]
counter = "ttpv-chieng-hoa-tong-hop"
to = "ttpv-muong-bu"

[[split]]
units = "areas"
code = "xa-ngoc-chien"
into = [{ unit = "xa-muong-la", share = 0.6 }, { unit = "xa-chieng-lao", share = 0.4 }]

[[split]]
units = "agencies"
code = "ttpv-ngoc-chien"
into = [{ unit = "ttpv-muong-la", share = 0.6 }, { unit = "ttpv-chieng-lao", share = 0.4 }]

[[retire]]
units = "counters"
code = "ttpv-ngoc-chien-tong-hop"
successor = "ttpv-muong-la-tong-hop"

[[rename]]
units = "areas"
code = "xa-muong-la"
name = "Xã Mường La mở rộng"
official_code = "99002"

[[rename]]
units = "agencies"
code = "so-y-te"
name = "Sở Y tế và Dân số"
name_en = ""
"""

RESPONSE_COUNTERS = ("ttpv-chieng-hoa-tong-hop", "ttpv-ngoc-chien-tong-hop", "ttpv-muong-bu-tong-hop", "so-y-te-1")
MOVED = "ttpv-chieng-hoa-tong-hop"


def by_code(model, code: str):
    return db.session.scalar(select(model).where(model.code == code))


def add_response(counter_code: str, when: dt.datetime) -> None:
    answers = {
        key.removeprefix("q-"): int(given) if isinstance(given, str) and given.isdigit() else given
        for key, given in sipas_form_answers(4).items()
    }
    record(
        Draft(
            uuid=uuid.uuid4(),
            counter=by_code(Counter, counter_code),
            version=current_version("sipas"),
            answers=answers,
            language="vi",
            started_at=when - dt.timedelta(minutes=3),
            submitted_at=when,
        ),
        2000,
    )


def organisation() -> dict[tuple[str, str], tuple]:
    """Every unit's names, owner, dates, successor and splits, by (kind, code)."""
    codes = {kind: dict(db.session.execute(select(model.id, model.code)).all()) for kind, model in MODELS.items()}
    splits: dict[tuple[str, int], set] = {}
    for split in db.session.scalars(select(UnitSplit)):
        splits.setdefault((split.kind, split.predecessor_id), set()).add(
            (codes[split.kind][split.successor_id], round(split.share, 9))
        )
    state = {}
    for kind, model in MODELS.items():
        owner_kind = "area" if kind != "counter" else "agency"
        for unit in db.session.scalars(select(model)):
            state[(kind, unit.code)] = (
                unit.name,
                unit.name_en,
                getattr(unit, "official_code", None),
                codes[owner_kind].get(getattr(unit, f"{OWNER[kind]}_id")),
                unit.established_on,
                unit.retired_on,
                codes[kind].get(unit.successor_id),
                frozenset(splits.get((kind, unit.id), ())),
            )
    return state


def attribution() -> tuple[dict, dict]:
    """Each response's counter, agency and area, and each device's counter and token."""
    responses = {r.id: (r.counter_id, r.agency_id, r.area_id) for r in db.session.scalars(select(Response))}
    devices = {d.id: (d.counter_id, d.token_hash, d.retired_at) for d in db.session.scalars(select(Device))}
    return responses, devices


def all_rows() -> dict[str, list]:
    """Every row of every table, in primary-key order."""
    return {
        table.name: [tuple(row) for row in db.session.execute(table.select().order_by(*table.primary_key.columns))]
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def setup(loaded_app):
    """The shipped organisation, two responses at each of four counters, and kiosk devices at the counter that
    moves and at one that stays; returns the tokens by counter."""
    with loaded_app.app_context():
        now = utcnow()
        for code in RESPONSE_COUNTERS:
            for days in (20, 3):
                add_response(code, now - dt.timedelta(days=days))
        tokens = {code: enrol(by_code(Counter, code), "Máy 1", None).token for code in (MOVED, "so-y-te-1")}
        db.session.commit()
    return tokens


def write(tmp_path: Path, text: str, name: str = "change.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def submit(client, token: str, counter: str):
    now = utcnow()
    payload = {
        "id": str(uuid.uuid4()),
        "questionnaire": {"instrument": "sipas", "version": 1},
        "counter": counter,
        "language": "vi",
        "started_at": (now - dt.timedelta(minutes=2)).isoformat(),
        "submitted_at": now.isoformat(),
        "answers": {"access_info": 5, "staff_polite": 4, "harassment": "no", "improve": ["online"]},
    }
    return client.post("/api/v1/responses", json=payload, headers={"Authorization": f"Bearer {token}"})


def test_a_dry_run_prints_what_will_change_and_changes_nothing(loaded_app, setup, tmp_path):
    path = write(tmp_path, CHANGE)
    with loaded_app.app_context():
        before = all_rows()
    result = loaded_app.test_cli_runner().invoke(args=["reorganise", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    for line in (
        "Units created: 1",
        "  area xa-bu-hoa (Xã Bú Hoa)",
        "Units renamed: 2",
        "Units retired: 6",
        "  area xa-muong-bu merged into xa-bu-hoa",
        "  area xa-ngoc-chien split into xa-muong-la 0.600, xa-chieng-lao 0.400",
        "  counter ttpv-ngoc-chien-tong-hop, successor ttpv-muong-la-tong-hop",
        "Agencies moved: 1",
        "Counters moved: 1",
        "  counter ttpv-chieng-hoa-tong-hop: agency ttpv-chieng-hoa → ttpv-muong-bu",
        "Devices moved: 0",
        "Dry run: nothing was changed.",
    ):
        assert line in result.output.splitlines()
    with loaded_app.app_context():
        assert all_rows() == before


def test_a_reorganisation_and_its_reversal(loaded_app, setup, tmp_path):
    path = write(tmp_path, CHANGE)
    reversal = tmp_path / "reversal.toml"
    runner = loaded_app.test_cli_runner()
    with loaded_app.app_context():
        organisation_before = organisation()
        responses_before, devices_before = attribution()

    result = runner.invoke(args=["reorganise", str(path), "--write-reversal", str(reversal)])
    assert result.exit_code == 0, result.output
    assert "Applied change.toml (effective 2030-01-01)." in result.output
    effective = dt.date(2030, 1, 1)
    with loaded_app.app_context():
        new = by_code(Area, "xa-bu-hoa")
        assert (new.established_on, new.official_code, new.former_district.code) == (effective, "99001", "muong-la")
        for code in ("xa-muong-bu", "xa-chieng-hoa"):
            merged = by_code(Area, code)
            assert (merged.retired_on, merged.successor) == (effective, new)
        assert by_code(Agency, "ttpv-muong-bu").area == new
        assert by_code(Agency, "ttpv-chieng-hoa").successor.code == "ttpv-muong-bu"
        assert by_code(Counter, MOVED).agency.code == "ttpv-muong-bu"
        split = by_code(Area, "xa-ngoc-chien")
        assert split.retired_on == effective and split.successor is None
        shares = db.session.scalars(
            select(UnitSplit.share).where(UnitSplit.kind == "area", UnitSplit.predecessor_id == split.id)
        )
        assert sorted(shares) == pytest.approx([0.4, 0.6])
        assert by_code(Counter, "ttpv-ngoc-chien-tong-hop").successor.code == "ttpv-muong-la-tong-hop"
        renamed = by_code(Area, "xa-muong-la")
        assert (renamed.name, renamed.official_code, renamed.retired_on) == ("Xã Mường La mở rộng", "99002", None)
        assert by_code(Agency, "so-y-te").name_en is None
        # Nothing given before is re-attributed; devices keep their counter and token.
        assert attribution() == (responses_before, devices_before)

        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.reorganise"))
        assert entry.actor == "cli"
        assert entry.details["file"] == "change.toml"
        assert len(entry.details["sha256"]) == 64
        assert entry.details["effective"] == "2030-01-01"
        assert entry.details["summary"]["units retired"] == 6
        assert {(c["op"], c["code"]) for c in entry.details["changes"]} >= {
            ("merge", "xa-muong-bu"),
            ("rename", "so-y-te"),
        }

        history = changes_of(by_code(Area, "xa-muong-bu"))
        assert [(c.effective_on, c.operation, c.role, c.others) for c in history] == [
            (effective, "move_agency", "from", ("ttpv-muong-bu", "xa-bu-hoa")),
            (effective, "merge", "from", ("xa-bu-hoa", "xa-chieng-hoa")),
        ]
        assert history[0].file == "change.toml" and history[0].audit_entry_id == entry.id
        assert {(c.operation, c.role) for c in changes_of(new)} == {
            ("create", "unit"),
            ("move_agency", "to"),
            ("merge", "into"),
        }
        renames = changes_of(by_code(Agency, "so-y-te"))
        assert renames[0].details["before"]["name"] == "Sở Y tế"
        assert renames[0].details["after"]["name"] == "Sở Y tế và Dân số"

    # The moved counter's kiosk still submits; its new response belongs to the new agency.
    client = loaded_app.test_client()
    assert submit(client, setup[MOVED], MOVED).status_code == 201
    with loaded_app.app_context():
        newest = db.session.scalar(select(Response).order_by(Response.id.desc()).limit(1))
        assert (newest.counter.code, newest.agency.code, newest.area.code) == (MOVED, "ttpv-muong-bu", "xa-bu-hoa")
        responses_after, _ = attribution()

    result = runner.invoke(args=["reorganise", str(reversal)])
    assert result.exit_code == 0, result.output
    with loaded_app.app_context():
        after = organisation()
        assert {key: after[key] for key in organisation_before} == organisation_before
        withdrawn = by_code(Area, "xa-bu-hoa")
        assert withdrawn.established_on == withdrawn.retired_on == effective
        assert not any(withdrawn.in_service(effective + dt.timedelta(days=d)) for d in (-1, 0, 1, 400))
        assert attribution() == (responses_after, devices_before)
        assert len(changes_of(by_code(Area, "xa-muong-bu"))) == 4
        assert db.session.scalar(select(AuditEntry.details).order_by(AuditEntry.id.desc()).limit(1))["file"] == (
            "reversal.toml"
        )
    assert submit(client, setup[MOVED], MOVED).status_code == 201

    # Applied twice, a file is refused: its units are already retired, its codes taken.
    again = runner.invoke(args=["reorganise", str(path)])
    assert again.exit_code == 1
    assert "merge[0].into.code: 'xa-bu-hoa' is already the code of an area; codes are never reused" in again.output


def test_a_retired_counter_passes_its_devices_to_its_successor_and_the_reversal_brings_them_back(
    loaded_app, setup, tmp_path
):
    change = """\
format = 1
effective = 2030-01-01

[[retire]]
units = "counters"
code = "so-y-te-1"
successor = "so-tai-chinh-1"
"""
    reversal = tmp_path / "reversal.toml"
    runner = loaded_app.test_cli_runner()
    with loaded_app.app_context():
        device = db.session.scalar(select(Device).join(Counter).where(Counter.code == "so-y-te-1"))
        device_id, token_hash = device.id, device.token_hash
        before = organisation()
    result = runner.invoke(args=["reorganise", str(write(tmp_path, change)), "--write-reversal", str(reversal)])
    assert result.exit_code == 0, result.output
    assert f"  device {device_id}: so-y-te-1 → so-tai-chinh-1" in result.output.splitlines()
    assert tomllib.loads(reversal.read_text(encoding="utf-8"))["reinstate"] == [
        {"units": "counters", "code": "so-y-te-1", "devices": [device_id]}
    ]
    with loaded_app.app_context():
        moved = db.session.get(Device, device_id)
        assert (moved.counter.code, moved.token_hash, moved.retired_at) == ("so-tai-chinh-1", token_hash, None)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.reorganise"))
        assert entry.details["devices_moved"] == {str(device_id): ["so-y-te-1", "so-tai-chinh-1"]}
    result = runner.invoke(args=["reorganise", str(reversal)])
    assert result.exit_code == 0, result.output
    with loaded_app.app_context():
        assert db.session.get(Device, device_id).counter.code == "so-y-te-1"
        assert organisation() == before


PROBLEMS = {
    "unknown code": (
        '[[merge]]\nunits = "areas"\nfrom = ["xa-khong-co"]\ninto = "xa-muong-la"\n',
        "merge[0].from[0]: 'xa-khong-co' is not a known area (neither stored nor created in this file)",
    ),
    "retired twice": (
        '[[merge]]\nunits = "counters"\nfrom = ["so-tai-chinh-3"]\ninto = "so-tai-chinh-1"\n'
        '[[retire]]\nunits = "counters"\ncode = "so-tai-chinh-3"\n',
        "retire[0]: counter so-tai-chinh-3 is already retired, reinstated or withdrawn at merge[0].from[0]",
    ),
    "already retired": (
        '[[retire]]\nunits = "areas"\ncode = "moc-chau"\n',
        "retire[0]: area moc-chau was already retired on 2025-07-01",
    ),
    "before establishment": (
        'effective = 2025-06-01\n[[retire]]\nunits = "counters"\ncode = "ttpv-muong-bu-tong-hop"\n'
        'successor = "ttpv-muong-la-tong-hop"\n',
        "retire[0]: counter ttpv-muong-bu-tong-hop was established on 2025-07-01; it can only retire after that day "
        "(withdraw it if it never opened)",
    ),
    "merged into itself": (
        '[[merge]]\nunits = "agencies"\nfrom = ["so-y-te", "so-tu-phap"]\ninto = "so-y-te"\n',
        "merge[0].from[0]: agency so-y-te cannot be merged into itself",
    ),
    "shares": (
        '[[split]]\nunits = "agencies"\ncode = "so-y-te"\n'
        'into = [{ unit = "so-tu-phap", share = 0.5 }, { unit = "so-noi-vu", share = 0.4 }]\n',
        "split[0].into: the shares add up to 0.900, not 1",
    ),
    "code reused": (
        '[[create.areas]]\ncode = "xa-muong-la"\nname = "Xã Mới"\nlevel = "commune"\nparent = "son-la"\n',
        "create.areas[0].code: 'xa-muong-la' is already the code of an area; codes are never reused",
    ),
    "official code reused": (
        '[[create.areas]]\ncode = "xa-moi"\nname = "Xã Mới"\nlevel = "commune"\nofficial_code = "03808"\n',
        "create.areas[0].official_code: official code 03808 already belongs to area xa-muong-la",
    ),
    "agency left in a closed area": (
        '[[merge]]\nunits = "areas"\nfrom = ["xa-muong-bu"]\ninto = "xa-muong-la"\n',
        "merge[0].from[0]: area xa-muong-bu closes on 2030-01-01 but agencies in it stay in service (ttpv-muong-bu): "
        "merge, retire or move them in the same file",
    ),
    "stranded devices": (
        '[[retire]]\nunits = "counters"\ncode = "so-y-te-1"\n',
        "retire[0]: counter so-y-te-1 has active kiosk devices (2) and no single successor to move them to: "
        "give it a successor counter, or retire the devices first",
    ),
    "merged into a closing unit": (
        '[[merge]]\nunits = "counters"\nfrom = ["so-tai-chinh-2"]\ninto = "so-tai-chinh-3"\n'
        '[[retire]]\nunits = "counters"\ncode = "so-tai-chinh-3"\n',
        "merge[0].from[0]: counter so-tai-chinh-2 passes to counter so-tai-chinh-3, which is not in service on "
        "2030-01-01",
    ),
    "nothing to reinstate": (
        '[[reinstate]]\nunits = "agencies"\ncode = "so-y-te"\n',
        "reinstate[0]: agency so-y-te was not retired on 2030-01-01 (in service): nothing to reinstate",
    ),
    "schema": (
        '[[retire]]\nunits = "districts"\ncode = "moc-chau"\nwhen = 2030-01-01\n',
        "retire[0]: unknown key(s) not allowed ('when' was unexpected)",
    ),
}


@pytest.mark.parametrize("case", PROBLEMS)
def test_a_bad_change_file_is_refused_whole_with_a_sentence(loaded_app, setup, tmp_path, case):
    body, message = PROBLEMS[case]
    effective = "" if body.startswith("effective") else "effective = 2030-01-01\n"
    # A valid operation beside the bad one: it must not be stored either.
    path = write(
        tmp_path,
        f"format = 1\n{effective}" + body + '[[rename]]\nunits = "agencies"\ncode = "so-noi-vu"\nname = "Sở Mới"\n',
    )
    with loaded_app.app_context():
        before = all_rows()
    result = loaded_app.test_cli_runner().invoke(args=["reorganise", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path}: " in result.output
    assert f"  {message}" in result.output.splitlines()
    assert "Traceback" not in result.output
    with loaded_app.app_context():
        assert all_rows() == before


def test_every_problem_of_a_file_is_reported_at_once(loaded_app, tmp_path):
    body = "".join(PROBLEMS[case][0] for case in ("unknown code", "already retired", "shares", "code reused"))
    result = loaded_app.test_cli_runner().invoke(
        args=["reorganise", str(write(tmp_path, "format = 1\neffective = 2030-01-01\n" + body))]
    )
    assert result.exit_code == 1
    assert "4 problem(s)" in result.output


def test_the_shipped_example_and_its_reversal(loaded_app, tmp_path):
    runner = loaded_app.test_cli_runner()
    example, shipped_reversal = DATA / "example-merge.toml", DATA / "example-merge.reversal.toml"
    written = tmp_path / "reversal.toml"
    result = runner.invoke(args=["reorganise", "--dry-run", str(example), "--write-reversal", str(written)])
    assert result.exit_code == 0, result.output
    assert written.read_text(encoding="utf-8") == shipped_reversal.read_text(encoding="utf-8"), (
        "regenerate example-merge.reversal.toml with --dry-run --write-reversal"
    )
    with loaded_app.app_context():
        before = organisation()
    assert runner.invoke(args=["reorganise", str(example)]).exit_code == 0
    with loaded_app.app_context():
        assert by_code(Agency, "ttpv-muong-bu").area.code == "xa-bu-hoa"
        assert by_code(Area, "xa-chieng-hoa").successor.code == "xa-bu-hoa"
    result = runner.invoke(args=["reorganise", str(shipped_reversal)])
    assert result.exit_code == 0, result.output
    with loaded_app.app_context():
        after = organisation()
        assert {key: after[key] for key in before} == before
        assert set(after) - set(before) == {("area", "xa-bu-hoa")}
