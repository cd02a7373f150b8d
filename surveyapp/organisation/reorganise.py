"""Reorganising: changes to the organisation on one effective date, read from a change file (TOML).

A change file (``surveyapp/schemas/reorganisation.schema.json``) creates, merges, splits, renames, moves,
retires, reinstates and withdraws units. It is applied in two steps:

1. :func:`plan_reorganisation` checks the file against the stored organisation without writing anything: it
   plays every operation on a copy of the organisation's state and reports every problem at once, each with its
   place in the file and a sentence (:class:`~surveyapp.datafiles.DefinitionError`). The result, a :class:`Plan`,
   says what will change (``--dry-run`` prints it).
2. :func:`apply_plan` writes the plan: new units, changed units, splits, moved kiosk devices, one audit entry
   ``organisation.reorganise`` and one :class:`~surveyapp.organisation.models.UnitChange` row per unit touched.
   It flushes; the caller commits once, so a failure stores nothing.

What never changes: a response keeps the counter, agency and area it was given at (they are stored with it), and
a kiosk device keeps its token. A counter moved to another agency keeps its code and its devices; its new
responses belong to the new agency. A retired counter's active devices move to its successor counter; a counter
with active devices and no single successor is refused, never stranded.

Every plan can be undone by another change file, :func:`reversal` (``--write-reversal``): ``withdraw`` for a
unit created, ``reinstate`` (with the devices to bring back) for a unit retired, the old name for a rename, the
way back for a move.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections import Counter as Tally
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy import select, update

from surveyapp.audit import service as audit
from surveyapp.audit.models import AuditEntry
from surveyapp.datafiles import DefinitionError, read_toml, validate
from surveyapp.db import db
from surveyapp.devices.cache import device_cache
from surveyapp.devices.models import Device
from surveyapp.organisation.loader import DAYS, SHARE_TOLERANCE, check_week
from surveyapp.organisation.models import Agency, Area, Counter, Field, UnitChange, UnitSplit

#: The unit lists of a change file, the kind of their units and their models.
LISTS = {"areas": ("area", Area), "agencies": ("agency", Agency), "counters": ("counter", Counter)}
KIND_LIST = {kind: key for key, (kind, _model) in LISTS.items()}
#: The attribute a unit's owner is kept in: an area's parent, an agency's area, a counter's agency.
OWNER = {"area": "parent_id", "agency": "area_id", "counter": "agency_id"}
OWNER_KIND = {"area": "area", "agency": "area", "counter": "agency"}
#: The order operations are played in, whatever their order in the file.
OPERATIONS = ("create", "reinstate", "rename", "move_agency", "move_counter", "merge", "split", "retire", "withdraw")
AUDIT_ACTION = "organisation.reorganise"


@dataclass
class UnitState:
    """What a reorganisation can change about one unit."""

    kind: str
    code: str
    #: ``None`` for a unit this file creates.
    id: int | None
    name: str
    name_en: str | None
    official_code: str | None
    established_on: dt.date | None
    retired_on: dt.date | None
    successor: str | None
    #: Successor code → share, for a unit split among several.
    splits: dict[str, float]
    #: The code of the parent area (area), the area (agency) or the agency (counter).
    owner: str | None
    #: Ids of the active kiosk devices at a counter.
    devices: set[int] = field(default_factory=set)
    #: The row of a unit created by the file.
    row: dict[str, Any] | None = None

    def in_service(self, day: dt.date) -> bool:
        if self.established_on is not None and day < self.established_on:
            return False
        return self.retired_on is None or day < self.retired_on


@dataclass
class Plan:
    """A checked change file and what applying it will change."""

    source: str
    sha256: str
    effective: dt.date
    title: str | None
    #: One entry per change, JSON data, in the order played: ``{"op": "merge", "units": "areas", ...}``.
    changes: list[dict[str, Any]]
    before: dict[str, dict[str, UnitState]]
    after: dict[str, dict[str, UnitState]]
    #: Device id → (counter code before, counter code after).
    device_moves: dict[int, tuple[str, str]]

    def summary(self) -> dict[str, int]:
        """Counts by group, as printed and audited."""
        tally = Tally(change["op"] for change in self.changes)
        return {
            "units created": tally["create"],
            "units renamed": tally["rename"],
            "units retired": tally["merge"] + tally["split"] + tally["retire"],
            "units reinstated": tally["reinstate"],
            "units withdrawn": tally["withdraw"],
            "agencies moved": tally["move_agency"],
            "counters moved": tally["move_counter"],
            "devices moved": len(self.device_moves),
        }

    def lines(self) -> list[str]:
        """What will change, grouped, for people."""
        out = [f"Reorganisation of {self.effective.isoformat()}" + (f": {self.title}" if self.title else "")]
        groups = (
            ("Units created", ("create",)),
            ("Units renamed", ("rename",)),
            ("Units retired", ("merge", "split", "retire")),
            ("Units reinstated", ("reinstate",)),
            ("Units withdrawn", ("withdraw",)),
            ("Agencies moved", ("move_agency",)),
            ("Counters moved", ("move_counter",)),
        )
        for title, ops in groups:
            changes = [change for change in self.changes if change["op"] in ops]
            out.append(f"{title}: {len(changes)}")
            out += [f"  {_describe(change)}" for change in changes]
        out.append(f"Devices moved: {len(self.device_moves)}")
        out += [f"  device {i}: {old} → {new}" for i, (old, new) in sorted(self.device_moves.items())]
        return out


def _an(kind: str) -> str:
    return f"an {kind}" if kind[0] == "a" else f"a {kind}"


def _describe(change: dict[str, Any]) -> str:
    kind = LISTS[change["units"]][0] if "units" in change else ""
    match change["op"]:
        case "create":
            return f"{kind} {change['code']} ({change['row']['name']})"
        case "rename":
            return f"{kind} {change['code']}: {change['before']['name']} → {change['after']['name']}"
        case "merge":
            return f"{kind} {change['code']} merged into {change['successor']}"
        case "split":
            parts = ", ".join(f"{code} {share:.3f}" for code, share in change["splits"].items())
            return f"{kind} {change['code']} split into {parts}"
        case "retire":
            successor = f", successor {change['successor']}" if change.get("successor") else ", no successor"
            return f"{kind} {change['code']}{successor}"
        case "reinstate":
            return f"{kind} {change['code']} in service again"
        case "withdraw":
            return f"{kind} {change['code']} never opened"
        case "move_agency":
            return f"agency {change['code']}: area {change['from']} → {change['to']}"
        case "move_counter":
            return f"counter {change['code']}: agency {change['from']} → {change['to']}"
    raise ValueError(f"unknown operation {change['op']}")


def read_change_file(path: Path) -> tuple[dict[str, Any], str]:
    """The validated content of a change file and its SHA-256; or :class:`DefinitionError`."""
    source = str(path)
    data = read_toml(path, source)
    validate("reorganisation", data, source)
    return data, hashlib.sha256(path.read_bytes()).hexdigest()


def plan_reorganisation(path: Path) -> Plan:
    """Check a change file against the stored organisation; writes nothing. Raises :class:`DefinitionError`."""
    data, digest = read_change_file(path)
    planner = _Planner(data, str(path))
    planner.play()
    if planner.problems:
        raise DefinitionError(str(path), planner.problems)
    return Plan(
        source=path.name,
        sha256=digest,
        effective=planner.effective,
        title=data.get("title"),
        changes=planner.changes,
        before=planner.before,
        after=planner.units,
        device_moves=planner.device_moves,
    )


def _load_state() -> dict[str, dict[str, UnitState]]:
    codes: dict[str, dict[int, str]] = {}
    rows: dict[str, list[Any]] = {}
    for _key, (kind, model) in LISTS.items():
        rows[kind] = list(db.session.scalars(select(model)))
        codes[kind] = {unit.id: unit.code for unit in rows[kind]}
    splits: dict[tuple[str, int], dict[str, float]] = {}
    for split in db.session.scalars(select(UnitSplit)):
        parts = splits.setdefault((split.kind, split.predecessor_id), {})
        parts[codes[split.kind][split.successor_id]] = split.share
    devices: dict[int, set[int]] = {}
    for device_id, counter_id in db.session.execute(
        select(Device.id, Device.counter_id).where(Device.retired_at.is_(None))
    ):
        devices.setdefault(counter_id, set()).add(device_id)
    state: dict[str, dict[str, UnitState]] = {}
    for kind, units in rows.items():
        owners = codes[OWNER_KIND[kind]]
        state[kind] = {
            unit.code: UnitState(
                kind=kind,
                code=unit.code,
                id=unit.id,
                name=unit.name,
                name_en=unit.name_en,
                official_code=getattr(unit, "official_code", None),
                established_on=unit.established_on,
                retired_on=unit.retired_on,
                successor=codes[kind].get(unit.successor_id),
                splits=splits.get((kind, unit.id), {}),
                owner=owners.get(getattr(unit, OWNER[kind])),
                devices=devices.get(unit.id, set()) if kind == "counter" else set(),
            )
            for unit in units
        }
    return state


class _Planner:
    """Plays a change file on a copy of the organisation's state, noting problems and changes."""

    def __init__(self, data: dict[str, Any], source: str):
        self.data = data
        self.source = source
        self.effective = dt.date.fromisoformat(data["effective"])
        self.before = _load_state()
        self.units = copy.deepcopy(self.before)
        self.fields = set(db.session.scalars(select(Field.code)))
        self.problems: list[tuple[str, str]] = []
        self.changes: list[dict[str, Any]] = []
        self.device_moves: dict[int, tuple[str, str]] = {}
        #: (kind, code) → where in the file the unit was retired, reinstated or withdrawn.
        self.closed: dict[tuple[str, str], str] = {}
        #: Units whose owner or state the file changes, for the checks on the final state.
        self.touched: set[tuple[str, str]] = set()

    def problem(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def play(self) -> None:
        self._create()
        for i, row in enumerate(self.data.get("reinstate", [])):
            self._reinstate(f"reinstate[{i}]", row)
        for i, row in enumerate(self.data.get("rename", [])):
            self._rename(f"rename[{i}]", row)
        for i, row in enumerate(self.data.get("move_agency", [])):
            self._move(f"move_agency[{i}]", "agency", row["agency"], row["to"])
        for i, row in enumerate(self.data.get("move_counter", [])):
            self._move(f"move_counter[{i}]", "counter", row["counter"], row["to"])
        for i, row in enumerate(self.data.get("merge", [])):
            self._merge(f"merge[{i}]", row)
        for i, row in enumerate(self.data.get("split", [])):
            self._split(f"split[{i}]", row)
        for i, row in enumerate(self.data.get("retire", [])):
            kind = LISTS[row["units"]][0]
            if self._closable(f"retire[{i}]", kind, row["code"]):
                successor = row.get("successor")
                if successor is not None and self._ref(f"retire[{i}].successor", kind, successor):
                    if successor == row["code"]:
                        self.problem(f"retire[{i}].successor", "a unit cannot be its own successor")
                        continue
                elif successor is not None:
                    continue
                self._close(kind, row["code"], successor, {})
                self.changes.append(
                    {"op": "retire", "units": row["units"], "code": row["code"], "successor": successor}
                )
        for i, row in enumerate(self.data.get("withdraw", [])):
            self._withdraw(f"withdraw[{i}]", row)
        if not self.problems:
            self._check_final_state()

    # ------------------------------------------------------------------ looking up units

    def _ref(self, where: str, kind: str, code: str) -> UnitState | None:
        unit = self.units[kind].get(code)
        if unit is None:
            self.problem(where, f"'{code}' is not a known {kind} (neither stored nor created in this file)")
        return unit

    def _serving(self, where: str, kind: str, code: str) -> UnitState | None:
        """A unit that exists and is in service on the effective date (or was established on it)."""
        unit = self._ref(where, kind, code)
        if unit is None:
            return None
        if unit.established_on is not None and self.effective < unit.established_on:
            self.problem(
                where,
                f"{kind} {code} is established on {unit.established_on}, after the change's date {self.effective}",
            )
            return None
        if unit.retired_on is not None and unit.retired_on <= self.effective:
            self.problem(where, f"{kind} {code} has been retired since {unit.retired_on}")
            return None
        return unit

    def _closable(self, where: str, kind: str, code: str) -> UnitState | None:
        """A unit that this file may retire: in service, established before the date, not yet retired."""
        unit = self._ref(where, kind, code)
        if unit is None:
            return None
        if (kind, code) in self.closed:
            self.problem(
                where, f"{kind} {code} is already retired, reinstated or withdrawn at {self.closed[(kind, code)]}"
            )
            return None
        if unit.retired_on is not None:
            self.problem(where, f"{kind} {code} was already retired on {unit.retired_on}")
            return None
        if unit.established_on is not None and self.effective <= unit.established_on:
            self.problem(
                where,
                f"{kind} {code} was established on {unit.established_on}; it can only retire after that day "
                "(withdraw it if it never opened)",
            )
            return None
        self.closed[(kind, code)] = where
        return unit

    def _close(self, kind: str, code: str, successor: str | None, splits: dict[str, float]) -> None:
        unit = self.units[kind][code]
        unit.retired_on, unit.successor, unit.splits = self.effective, successor, splits
        self.touched.add((kind, code))

    # ------------------------------------------------------------------ operations

    def _create(self) -> None:
        rows: list[tuple[str, str, dict[str, Any]]] = []
        for key in LISTS:
            rows += [(f"create.{key}[{i}]", key, row) for i, row in enumerate(self.data.get("create", {}).get(key, []))]
        for i, row in enumerate(self.data.get("merge", [])):
            if isinstance(row["into"], dict):
                rows.append((f"merge[{i}].into", row["units"], row["into"]))
        official = {u.official_code: u.code for u in self.units["area"].values() if u.official_code}
        for where, key, row in rows:
            kind = LISTS[key][0]
            if row["code"] in self.units[kind]:
                self.problem(
                    f"{where}.code",
                    f"'{row['code']}' is already the code of {_an(kind)}; codes are never reused",
                )
                continue
            if row.get("official_code") in official:
                self.problem(
                    f"{where}.official_code",
                    f"official code {row['official_code']} already belongs to area {official[row['official_code']]}",
                )
            elif row.get("official_code"):
                official[row["official_code"]] = row["code"]
            owner = {"area": row.get("parent"), "agency": row.get("area"), "counter": row.get("agency")}[kind]
            self.units[kind][row["code"]] = UnitState(
                kind=kind,
                code=row["code"],
                id=None,
                name=row["name"],
                name_en=row.get("name_en"),
                official_code=row.get("official_code"),
                established_on=self.effective,
                retired_on=None,
                successor=None,
                splits={},
                owner=owner,
                row=row,
            )
            self.touched.add((kind, row["code"]))
            self.changes.append({"op": "create", "units": key, "code": row["code"], "row": row})
        for where, key, row in rows:
            kind = LISTS[key][0]
            refs = {"area": ("parent", "former_district"), "agency": ("area",), "counter": ("agency",)}[kind]
            for ref in refs:
                if ref == "former_district" and ref in row:  # a grouping: the former district has retired
                    self._ref(f"{where}.{ref}", "area", row[ref])
                elif ref in row:
                    self._serving(f"{where}.{ref}", OWNER_KIND[kind], row[ref])
            if kind == "counter" and row.get("field") and row["field"] not in self.fields:
                self.problem(f"{where}.field", f"'{row['field']}' is not a known field of procedure")
            if isinstance(row.get("hours"), dict):
                for path, message in check_week(row["hours"], f"{where}.hours"):
                    self.problem(path, message)

    def _not_yet_closed(self, where: str, row: dict[str, Any]) -> tuple[str, Any] | None:
        """The kind and unit a reinstate or withdraw names, unless it is unknown or this file closes it already."""
        kind = LISTS[row["units"]][0]
        unit = self._ref(f"{where}.code", kind, row["code"])
        if unit is None:
            return None
        if (kind, unit.code) in self.closed:
            self.problem(
                where,
                f"{kind} {unit.code} is already retired, reinstated or withdrawn at {self.closed[(kind, unit.code)]}",
            )
            return None
        return kind, unit

    def _reinstate(self, where: str, row: dict[str, Any]) -> None:
        found = self._not_yet_closed(where, row)
        if found is None:
            return
        kind, unit = found
        if unit.retired_on != self.effective:
            state = f"retired on {unit.retired_on}" if unit.retired_on else "in service"
            self.problem(
                where, f"{kind} {unit.code} was not retired on {self.effective} ({state}): nothing to reinstate"
            )
            return
        self.closed[(kind, unit.code)] = where
        devices = row.get("devices", [])
        successor = self.units[kind].get(unit.successor) if unit.successor else None
        if devices and kind != "counter":
            self.problem(f"{where}.devices", "only a counter has kiosk devices")
            return
        for j, device in enumerate(devices):
            if successor is None or device not in successor.devices:
                at = f"successor counter {successor.code}" if successor else "a successor counter (there is none)"
                self.problem(f"{where}.devices[{j}]", f"device {device} is not an active device at {at}")
                return
        before = {"successor": unit.successor, "splits": dict(unit.splits)}
        unit.retired_on, unit.successor, unit.splits = None, None, {}
        if unit.established_on == self.effective:
            before["withdrawn"] = True
        for device in devices:
            successor.devices.discard(device)
            unit.devices.add(device)
            self.device_moves[device] = (successor.code, unit.code)
        self.touched.add((kind, unit.code))
        self.changes.append(
            {"op": "reinstate", "units": row["units"], "code": unit.code, "before": before, "devices": devices}
        )

    def _rename(self, where: str, row: dict[str, Any]) -> None:
        kind = LISTS[row["units"]][0]
        unit = self._serving(f"{where}.code", kind, row["code"])
        if unit is None:
            return
        if "official_code" in row and kind != "area":
            self.problem(f"{where}.official_code", "only an area has an official code")
            return
        if row.get("official_code"):
            holder = next(
                (
                    u.code
                    for u in self.units["area"].values()
                    if u.official_code == row["official_code"] and u is not unit
                ),
                None,
            )
            if holder:
                self.problem(
                    f"{where}.official_code", f"official code {row['official_code']} already belongs to area {holder}"
                )
                return
        names = ("name", "name_en", "official_code")
        before = {name: getattr(unit, name) for name in names}
        for name in names:
            if name in row:
                setattr(unit, name, row[name] or None)
        after = {name: getattr(unit, name) for name in names}
        if before == after:
            self.problem(where, f"{kind} {unit.code} already has these names")
            return
        self.changes.append(
            {"op": "rename", "units": row["units"], "code": unit.code, "before": before, "after": after}
        )

    def _move(self, where: str, kind: str, code: str, to: str) -> None:
        key = f"move_{kind}"
        unit = self._serving(f"{where}.{kind}", kind, code)
        target = self._ref(f"{where}.to", OWNER_KIND[kind], to)
        if unit is None or target is None:
            return
        if unit.owner == to:
            self.problem(where, f"{kind} {code} already belongs to {OWNER_KIND[kind]} {to}")
            return
        if any(change["op"] == key and change["code"] == code for change in self.changes):
            self.problem(where, f"{kind} {code} is moved twice in this file")
            return
        self.changes.append({"op": key, "code": code, "from": unit.owner, "to": to})
        unit.owner = to
        self.touched.add((kind, code))

    def _merge(self, where: str, row: dict[str, Any]) -> None:
        kind = LISTS[row["units"]][0]
        into = row["into"]["code"] if isinstance(row["into"], dict) else row["into"]
        if self._ref(f"{where}.into", kind, into) is None:
            return
        if len(set(row["from"])) < len(row["from"]):
            self.problem(f"{where}.from", "names a unit twice")
        for j, code in enumerate(row["from"]):
            if code == into:
                self.problem(f"{where}.from[{j}]", f"{kind} {code} cannot be merged into itself")
                continue
            if self._closable(f"{where}.from[{j}]", kind, code):
                self._close(kind, code, into, {})
                others = [other for other in row["from"] if other != code]
                self.changes.append(
                    {"op": "merge", "units": row["units"], "code": code, "successor": into, "with": others}
                )

    def _split(self, where: str, row: dict[str, Any]) -> None:
        kind = LISTS[row["units"]][0]
        codes = [part["unit"] for part in row["into"]]
        ok = True
        for j, code in enumerate(codes):
            if code == row["code"]:
                self.problem(f"{where}.into[{j}].unit", f"{kind} {code} cannot be split into itself")
                ok = False
            elif self._ref(f"{where}.into[{j}].unit", kind, code) is None:
                ok = False
        if len(set(codes)) < len(codes):
            self.problem(f"{where}.into", "names a unit twice")
            ok = False
        total = sum(part["share"] for part in row["into"])
        if abs(total - 1) > SHARE_TOLERANCE:
            self.problem(f"{where}.into", f"the shares add up to {total:.3f}, not 1")
            ok = False
        if self._closable(f"{where}.code", kind, row["code"]) and ok:
            splits = {part["unit"]: part["share"] / total for part in row["into"]}
            self._close(kind, row["code"], None, splits)
            self.changes.append({"op": "split", "units": row["units"], "code": row["code"], "splits": splits})

    def _withdraw(self, where: str, row: dict[str, Any]) -> None:
        found = self._not_yet_closed(where, row)
        if found is None:
            return
        kind, unit = found
        if unit.established_on != self.effective or unit.retired_on is not None:
            self.problem(
                where,
                f"only a unit established on {self.effective} and still open can be withdrawn; {kind} {unit.code} "
                f"was established on {unit.established_on or 'an unknown day'}"
                + (f" and retired on {unit.retired_on}" if unit.retired_on else ""),
            )
            return
        self.closed[(kind, unit.code)] = where
        unit.retired_on = self.effective
        self.touched.add((kind, unit.code))
        self.changes.append({"op": "withdraw", "units": row["units"], "code": unit.code})

    # ------------------------------------------------------------------ the state after the file

    def _check_final_state(self) -> None:
        day = self.effective
        for kind, code in sorted(self.touched):
            unit = self.units[kind][code]
            where = self._where(kind, code)
            for successor in ([unit.successor] if unit.successor else []) + list(unit.splits):
                target = self.units[kind][successor]
                if unit.retired_on == day and not target.in_service(day):
                    self.problem(where, f"{kind} {code} passes to {kind} {successor}, which is not in service on {day}")
            if unit.owner and unit.in_service(day):
                owner = self.units[OWNER_KIND[kind]][unit.owner]
                if not owner.in_service(day):
                    self.problem(
                        where,
                        f"{kind} {code} would belong to {owner.kind} {owner.code}, which is not in service on {day}",
                    )
            if not unit.in_service(day):
                self._check_nothing_left(where, unit)
            if kind == "counter" and not unit.in_service(day) and unit.devices:
                self._move_devices(where, unit)

    def _check_nothing_left(self, where: str, unit: UnitState) -> None:
        day = self.effective
        for kind in ("area", "agency", "counter"):
            if OWNER_KIND[kind] != unit.kind:
                continue
            left = sorted(u.code for u in self.units[kind].values() if u.owner == unit.code and u.in_service(day))
            if left:
                self.problem(
                    where,
                    f"{unit.kind} {unit.code} closes on {day} but {KIND_LIST[kind]} in it stay in service "
                    f"({', '.join(left)}): merge, retire or move them in the same file",
                )

    def _move_devices(self, where: str, unit: UnitState) -> None:
        ids = ", ".join(str(i) for i in sorted(unit.devices))
        if not unit.successor:
            self.problem(
                where,
                f"counter {unit.code} has active kiosk devices ({ids}) and no single successor to move them to: "
                "give it a successor counter, or retire the devices first",
            )
            return
        successor = self.units["counter"][unit.successor]
        for device in sorted(unit.devices):
            self.device_moves[device] = (unit.code, successor.code)
            successor.devices.add(device)
        moved = sorted(unit.devices)
        unit.devices = set()
        for change in self.changes:
            if (
                change.get("code") == unit.code
                and change.get("units") == "counters"
                and change["op"]
                in (
                    "merge",
                    "retire",
                )
            ):
                change["devices"] = moved

    def _where(self, kind: str, code: str) -> str:
        """Where in the file a unit is retired, created or moved (for problems found on the final state)."""
        if (kind, code) in self.closed:
            return self.closed[(kind, code)]
        for change in self.changes:
            if change.get("code") == code and (
                change.get("units") == KIND_LIST[kind] or change["op"] == f"move_{kind}"
            ):
                return f"{change['op']} {kind} {code}"
        return f"{kind} {code}"


# ---------------------------------------------------------------------- writing


def apply_plan(plan: Plan, actor=None, actor_label: str = "cli") -> AuditEntry:
    """Store a plan: units, splits, device moves, the audit entry and the units' change history. Flushes."""
    models = {kind: model for kind, model in LISTS.values()}
    ids: dict[str, dict[str, int]] = {
        kind: {c: u.id for c, u in units.items() if u.id} for kind, units in plan.before.items()
    }
    stored: dict[str, dict[str, Any]] = {kind: {} for kind in models}
    for kind in ("area", "agency", "counter"):
        for code, unit in plan.after[kind].items():
            if unit.id is None:
                stored[kind][code] = _new_unit(kind, unit, ids)
                db.session.add(stored[kind][code])
                db.session.flush()
                ids[kind][code] = stored[kind][code].id
    for kind, units in plan.after.items():
        for code, unit in units.items():
            old = plan.before[kind].get(code)
            if old is not None and _same(old, unit):
                continue
            row = stored[kind].get(code) or db.session.get(models[kind], unit.id)
            row.name, row.name_en = unit.name, unit.name_en
            if kind == "area":
                row.official_code = unit.official_code
            row.retired_on = unit.retired_on
            row.successor_id = ids[kind][unit.successor] if unit.successor else None
            setattr(row, OWNER[kind], ids[OWNER_KIND[kind]][unit.owner] if unit.owner else None)
            if old is not None and old.splits != unit.splits:
                for split in db.session.scalars(
                    select(UnitSplit).where(UnitSplit.kind == kind, UnitSplit.predecessor_id == row.id)
                ):
                    db.session.delete(split)
                db.session.flush()
            if (old is None or old.splits != unit.splits) and unit.splits:
                for successor, share in unit.splits.items():
                    db.session.add(
                        UnitSplit(kind=kind, predecessor_id=row.id, successor_id=ids[kind][successor], share=share)
                    )
    db.session.flush()
    for device_id, (_old, new) in plan.device_moves.items():
        db.session.execute(update(Device).where(Device.id == device_id).values(counter_id=ids["counter"][new]))
    _forget_devices(plan, ids["counter"])
    entry = audit.record(
        AUDIT_ACTION,
        actor,
        target=f"reorganisation:{plan.effective.isoformat()}",
        actor_label=actor_label,
        file=plan.source,
        sha256=plan.sha256,
        effective=plan.effective.isoformat(),
        title=plan.title,
        summary=plan.summary(),
        changes=plan.changes,
        devices_moved={str(i): list(move) for i, move in sorted(plan.device_moves.items())},
    )
    for kind, code, role, others, change in _history(plan):
        db.session.add(
            UnitChange(
                kind=kind,
                unit_id=ids[kind][code],
                effective_on=plan.effective,
                operation=change["op"],
                role=role,
                others=others,
                details=_history_details(change),
                audit_entry_id=entry.id,
            )
        )
    db.session.flush()
    return entry


def _forget_devices(plan: Plan, counter_ids: dict[str, int]) -> None:
    """Let this process's device cache forget the devices whose counter, agency or area changed (other
    processes see the change within ``DEVICE_CACHE_SECONDS``, see :mod:`surveyapp.devices.cache`)."""

    def place(state: dict[str, dict[str, UnitState]], counter: UnitState) -> tuple:
        agency = state["agency"].get(counter.owner)
        return counter.owner, agency.owner if agency else None

    changed = [
        counter_ids[code]
        for code, counter in plan.after["counter"].items()
        if code in plan.before["counter"]
        and place(plan.before, plan.before["counter"][code]) != place(plan.after, counter)
    ]
    hashes = db.session.scalars(
        select(Device.token_hash).where(Device.id.in_(list(plan.device_moves)) | Device.counter_id.in_(changed))
    )
    for token_hash in hashes:
        device_cache().forget(token_hash)


def _same(old: UnitState, new: UnitState) -> bool:
    names = ("name", "name_en", "official_code", "retired_on", "successor", "splits", "owner")
    return all(getattr(old, name) == getattr(new, name) for name in names)


def _new_unit(kind: str, unit: UnitState, ids: dict[str, dict[str, int]]):
    row = unit.row or {}
    common = {"code": unit.code, "name": unit.name, "name_en": unit.name_en, "established_on": unit.established_on}
    if kind == "area":
        former = row.get("former_district")
        return Area(
            **common,
            level=row["level"],
            official_code=unit.official_code,
            former_district_id=ids["area"][former] if former else None,
        )
    if kind == "agency":
        return Agency(**common, kind=row["kind"], area_id=ids["area"][unit.owner])
    field_id = db.session.scalar(select(Field.id).where(Field.code == row["field"])) if row.get("field") else None
    hours = row.get("hours", {})
    return Counter(
        **common,
        agency_id=ids["agency"][unit.owner],
        field_id=field_id,
        instrument_code=row.get("instrument", "sipas"),
        form=row.get("form"),
        opening_hours={day: [span.split("-") for span in hours[day]] for day in DAYS if day in hours},
    )


def _history(plan: Plan):
    """(kind, code, role, others, change) for every unit each change touches."""
    for change in plan.changes:
        op = change["op"]
        if op in ("move_agency", "move_counter"):
            kind = op.removeprefix("move_")
            owner = OWNER_KIND[kind]
            yield kind, change["code"], "unit", [change["from"], change["to"]], change
            yield owner, change["from"], "from", [change["code"], change["to"]], change
            yield owner, change["to"], "to", [change["code"], change["from"]], change
            continue
        kind = LISTS[change["units"]][0]
        if op == "merge":
            yield kind, change["code"], "from", [change["successor"], *change["with"]], change
            yield kind, change["successor"], "into", [change["code"]], change
        elif op == "split":
            yield kind, change["code"], "from", list(change["splits"]), change
            for successor in change["splits"]:
                yield kind, successor, "into", [change["code"]], change
        elif op == "retire" and change.get("successor"):
            yield kind, change["code"], "from", [change["successor"]], change
            yield kind, change["successor"], "into", [change["code"]], change
        else:
            yield kind, change["code"], "unit", [], change


def _history_details(change: dict[str, Any]) -> dict[str, Any]:
    keep = ("before", "after", "splits", "devices", "successor")
    return {key: change[key] for key in keep if change.get(key)}


# ---------------------------------------------------------------------- undoing


def reversal(plan: Plan) -> dict[str, Any]:
    """The change file that undoes ``plan`` (same effective date): apply it after the plan to restore the
    organisation as it was, every unit's owner, names, retirement, successor and splits, and every device's
    counter. Units the plan created are withdrawn (they never opened; their codes stay taken)."""
    out: dict[str, Any] = {
        "format": 1,
        "effective": plan.effective,
        "title": f"Reversal of {plan.source} ({plan.sha256[:12]})",
    }

    def add(op: str, entry: dict[str, Any]) -> None:
        out.setdefault(op, []).append(entry)

    for change in plan.changes:
        op = change["op"]
        if op == "create":
            add("withdraw", {"units": change["units"], "code": change["code"]})
        elif op == "rename":
            entry = {"units": change["units"], "code": change["code"], "name": change["before"]["name"]}
            entry["name_en"] = change["before"]["name_en"] or ""
            if change["units"] == "areas":
                entry["official_code"] = change["before"]["official_code"] or ""
            add("rename", entry)
        elif op == "move_agency":
            add("move_agency", {"agency": change["code"], "to": change["from"]})
        elif op == "move_counter":
            add("move_counter", {"counter": change["code"], "to": change["from"]})
        elif op in ("merge", "split", "retire"):
            entry = {"units": change["units"], "code": change["code"]}
            if change.get("devices"):
                entry["devices"] = change["devices"]
            add("reinstate", entry)
        elif op == "reinstate":
            before = change["before"]
            if before.get("withdrawn"):
                add("withdraw", {"units": change["units"], "code": change["code"]})
            elif before["splits"]:
                into = [{"unit": code, "share": share} for code, share in before["splits"].items()]
                add("split", {"units": change["units"], "code": change["code"], "into": into})
            else:
                entry = {"units": change["units"], "code": change["code"]}
                if before["successor"]:
                    entry["successor"] = before["successor"]
                add("retire", entry)
        elif op == "withdraw":
            add("reinstate", {"units": change["units"], "code": change["code"]})
    return out


def write_reversal(plan: Plan, path: Path) -> None:
    """Write :func:`reversal` as a change file."""
    header = (
        f"# Undoes {plan.source}, effective {plan.effective.isoformat()}\n# (SHA-256 {plan.sha256}).\n"
        "# Written by `flask reorganise --write-reversal`; apply it with `flask reorganise` to restore the\n"
        "# organisation as it was before. Format: surveyapp/schemas/reorganisation.schema.json.\n\n"
    )
    path.write_text(header + tomli_w.dumps(reversal(plan)), encoding="utf-8")
