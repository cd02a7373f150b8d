"""Organisation models.

Units are never deleted. A unit serves citizens from ``established_on`` (always, when empty) until the day
before ``retired_on``. A unit that closes gets ``retired_on`` and says where its citizens went:

* merged into, or renamed as, one unit: ``successor`` (all of it passes on);
* split among several units: one :class:`UnitSplit` row per successor, with the share of the unit that passed
  to it (the shares of one unit add up to 1).

History is carried forward through these links (a new commune's past is reconstructed from its predecessors)
while every response keeps the counter, agency and area it was actually given in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.db import BigId, db


class RetirableMixin:
    #: First day the unit served citizens; ``None`` when it predates the records.
    established_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Day the unit stopped serving citizens; ``None`` while it is in service.
    retired_on: Mapped[dt.date | None] = mapped_column(Date)

    def in_service(self, on: dt.date | None = None) -> bool:
        """Whether the unit serves citizens on the given day (today when omitted)."""
        day = on or dt.date.today()
        if self.established_on is not None and day < self.established_on:
            return False
        return self.retired_on is None or day < self.retired_on


class Area(RetirableMixin, db.Model):
    """An administrative area: the province, a district-level unit, a commune; any depth."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable ASCII slug, e.g. ``moc-chau``.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    #: Official Vietnamese name, e.g. ``Huyện Mộc Châu``.
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    #: ``province``, ``district``, ``commune`` (the level in the hierarchy).
    level: Mapped[str] = mapped_column(String(32))
    #: The national code of the administrative unit (Decision 19/2025/QĐ-TTg), e.g. ``03646``.
    official_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    #: The area this one was merged into, if any.
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    #: The grouping (khu vực) the area belongs to: the former district it lay in before 1 July 2025. A
    #: grouping for continuity with earlier reports, not an administrative level.
    former_district_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))

    parent: Mapped[Area | None] = relationship(remote_side=[id], foreign_keys=[parent_id], back_populates="children")
    children: Mapped[list[Area]] = relationship(foreign_keys=[parent_id], back_populates="parent")
    successor: Mapped[Area | None] = relationship(remote_side=[id], foreign_keys=[successor_id])
    former_district: Mapped[Area | None] = relationship(remote_side=[id], foreign_keys=[former_district_id])
    agencies: Mapped[list[Agency]] = relationship(back_populates="area")

    def __repr__(self) -> str:
        return f"<Area {self.code}>"


class Agency(RetirableMixin, db.Model):
    """A body that handles administrative procedures: a department, a district or commune people's committee."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    #: ``department``, ``district``, ``commune``, ``centre`` or another kind from the organisation file.
    kind: Mapped[str] = mapped_column(String(32))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))

    area: Mapped[Area] = relationship(back_populates="agencies")
    successor: Mapped[Agency | None] = relationship(remote_side=[id])
    counters: Mapped[list[Counter]] = relationship(back_populates="agency")

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class Field(db.Model):
    """A field of procedure (lĩnh vực): land, civil status, construction, business registration, ..."""

    __tablename__ = "field"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    #: Name of the pictogram shown on the kiosk's welcome screen.
    icon: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<Field {self.code}>"


class Counter(RetirableMixin, db.Model):
    """A service counter (quầy) of an agency, where a kiosk tablet stands."""

    __tablename__ = "counter"
    __table_args__ = (CheckConstraint("form IS NULL OR form IN ('short', 'full')", name="form_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The code in the kiosk's address, ``/k/<code>``.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    #: The field of every case at this counter; ``None`` when the citizen chooses it on the welcome screen.
    field_id: Mapped[int | None] = mapped_column(ForeignKey("field.id"))
    #: Code of the instrument the kiosk shows (``sipas``, ``rating``, ``case``).
    instrument_code: Mapped[str] = mapped_column(String(64), default="sipas")
    #: Weekly opening hours in local time: ``{"mon": [["07:00", "11:30"], ["13:30", "17:00"]], ...}``.
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: ``full``: the kiosk asks every question even when the questionnaire has a short form (a rotation);
    #: ``None`` or ``short``: the short form when there is one.
    form: Mapped[str | None] = mapped_column(String(16))
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))

    agency: Mapped[Agency] = relationship(back_populates="counters")
    field: Mapped[Field | None] = relationship()
    successor: Mapped[Counter | None] = relationship(remote_side=[id])

    @property
    def full_form(self) -> bool:
        """Whether the kiosk asks every question here rather than the questionnaire's short form."""
        return self.form == "full"

    def __repr__(self) -> str:
        return f"<Counter {self.code}>"


class UnitSplit(db.Model):
    """A share of a retired unit that passed to one of several successors (a split).

    A unit merged whole into one unit uses ``successor`` instead. ``share`` is the part of the unit's citizens
    (its service volume) that the successor took over; the shares of one unit add up to 1. Reconstructed
    history weights the unit's past by ``share``.
    """

    __tablename__ = "unit_split"
    __table_args__ = (
        UniqueConstraint("kind", "predecessor_id", "successor_id"),
        CheckConstraint("share > 0 AND share <= 1", name="share_in_range"),
        CheckConstraint("kind IN ('area', 'agency', 'counter')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``area``, ``agency`` or ``counter``: the table both ids refer to.
    kind: Mapped[str] = mapped_column(String(16))
    predecessor_id: Mapped[int] = mapped_column(Integer)
    successor_id: Mapped[int] = mapped_column(Integer)
    share: Mapped[float] = mapped_column(Float)


class ServiceVolume(db.Model):
    """Case files an agency handled in one field of procedure during one period: the population for weighting."""

    __tablename__ = "service_volume"
    __table_args__ = (
        UniqueConstraint("agency_id", "field_id", "period"),
        CheckConstraint("cases >= 0", name="cases_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    field_id: Mapped[int] = mapped_column(ForeignKey("field.id"))
    #: ISO period: ``2026``, ``2026-Q3`` or ``2026-07``.
    period: Mapped[str] = mapped_column(String(7))
    cases: Mapped[int] = mapped_column(Integer)

    agency: Mapped[Agency] = relationship()
    field: Mapped[Field] = relationship()


class UnitChange(db.Model):
    """One unit touched by one reorganisation (``flask reorganise``): its change history.

    ``others`` names the other units of the operation by code (the units merged with it and the one they were
    merged into, the units it was split among, the agency a counter moved from and to, ...). The audit entry of
    the reorganisation holds the file's name, its SHA-256 and every change.
    """

    __tablename__ = "unit_change"
    __table_args__ = (
        CheckConstraint("kind IN ('area', 'agency', 'counter')", name="kind_known"),
        Index("ix_unit_change_kind_unit_id", "kind", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``area``, ``agency`` or ``counter``: the table ``unit_id`` refers to.
    kind: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(Integer)
    #: The effective date of the reorganisation.
    effective_on: Mapped[dt.date] = mapped_column(Date)
    #: The operation of the change file: ``create``, ``rename``, ``move_agency``, ``move_counter``, ``merge``,
    #: ``split``, ``retire``, ``reinstate``, ``withdraw``.
    operation: Mapped[str] = mapped_column(String(32))
    #: How the unit took part: ``unit`` (the unit the operation is about), ``from`` (merged or split away, or the
    #: agency or area a unit moved from), ``into`` (a successor), ``to`` (the agency or area a unit moved to).
    role: Mapped[str] = mapped_column(String(16))
    #: Codes of the other units of the operation.
    others: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: What changed, e.g. the old and new names of a rename.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The audit entry ``organisation.reorganise`` of the reorganisation.
    audit_entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("audit_entry.id"))


#: The kinds of unit (as :class:`UnitSplit` and :class:`UnitChange` name them) and their models.
UNIT_MODELS: dict[str, type[Area] | type[Agency] | type[Counter]] = {"area": Area, "agency": Agency, "counter": Counter}
