"""The change history of a unit: the reorganisations that touched it (``flask reorganise``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from surveyapp.audit.models import AuditEntry
from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter, UnitChange

KINDS = ((Area, "area"), (Agency, "agency"), (Counter, "counter"))


@dataclass(frozen=True)
class Change:
    """One reorganisation that touched a unit."""

    effective_on: dt.date
    #: The operation of the change file: ``create``, ``rename``, ``move_agency``, ``move_counter``, ``merge``,
    #: ``split``, ``retire``, ``reinstate`` or ``withdraw``.
    operation: str
    #: How the unit took part: ``unit``, ``from``, ``into`` or ``to`` (see :class:`UnitChange`).
    role: str
    #: Codes of the other units of the operation.
    others: tuple[str, ...]
    #: E.g. the old and new names of a rename, the shares of a split, the devices moved.
    details: dict[str, Any]
    #: The change file's name and SHA-256, and the audit entry of the reorganisation.
    file: str
    sha256: str
    audit_entry_id: int


def changes_of(unit: Area | Agency | Counter) -> list[Change]:
    """The reorganisations that touched ``unit``, oldest first (in the order they were applied)."""
    kind = next(name for model, name in KINDS if isinstance(unit, model))
    rows = db.session.execute(
        select(UnitChange, AuditEntry.details)
        .join(AuditEntry, AuditEntry.id == UnitChange.audit_entry_id)
        .where(UnitChange.kind == kind, UnitChange.unit_id == unit.id)
        .order_by(UnitChange.effective_on, UnitChange.id)
    )
    return [
        Change(
            effective_on=change.effective_on,
            operation=change.operation,
            role=change.role,
            others=tuple(change.others),
            details=change.details,
            file=entry.get("file", ""),
            sha256=entry.get("sha256", ""),
            audit_entry_id=change.audit_entry_id,
        )
        for change, entry in rows
    ]
