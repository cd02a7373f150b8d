"""A unit's place in the history of the organisation, as its page shows it: when it opened and closed, where
its citizens came from and went, its former district, and the reorganisations that touched it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from surveyapp.db import db
from surveyapp.organisation.changes import Change, changes_of
from surveyapp.organisation.models import UNIT_MODELS, Agency, Area, Counter, UnitSplit

Unit = Area | Agency | Counter


@dataclass(frozen=True)
class Lineage:
    kind: str
    established_on: dt.date | None
    retired_on: dt.date | None
    #: Where the unit's citizens went: one successor with share 1, or the units it was split among.
    successors: tuple[tuple[Unit, float], ...]
    #: The units whose citizens came to this one directly, with the share of each that did.
    predecessors: tuple[tuple[Unit, float], ...]
    #: The former district (a grouping) the unit lies in, for an area.
    former_district: Area | None
    changes: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        """Nothing to tell: a unit that has always been as it is."""
        return not (self.established_on or self.retired_on or self.successors or self.predecessors or self.changes)


def lineage(unit: Unit) -> Lineage:
    """The history of ``unit`` (see the module's documentation)."""
    model = type(unit)
    kind = next(name for name, candidate in UNIT_MODELS.items() if candidate is model)
    successors: list[tuple[Unit, float]] = []
    if unit.successor_id is not None:
        successors.append((db.session.get(model, unit.successor_id), 1.0))
    splits = db.session.execute(
        select(UnitSplit.successor_id, UnitSplit.share).where(
            UnitSplit.kind == kind, UnitSplit.predecessor_id == unit.id
        )
    ).all()
    successors += [(db.session.get(model, successor), share) for successor, share in splits]
    predecessors: list[tuple[Unit, float]] = [
        (other, 1.0) for other in db.session.scalars(select(model).where(model.successor_id == unit.id))
    ]
    incoming = db.session.execute(
        select(UnitSplit.predecessor_id, UnitSplit.share).where(
            UnitSplit.kind == kind, UnitSplit.successor_id == unit.id
        )
    ).all()
    predecessors += [(db.session.get(model, predecessor), share) for predecessor, share in incoming]
    former = None
    if isinstance(unit, Area) and unit.former_district_id not in (None, unit.id):
        former = db.session.get(Area, unit.former_district_id)
    return Lineage(
        kind,
        unit.established_on,
        unit.retired_on,
        tuple(sorted(successors, key=lambda pair: pair[0].name)),
        tuple(sorted(predecessors, key=lambda pair: pair[0].name)),
        former,
        tuple(changes_of(unit)),
    )
