"""The organisation as a tree in memory: which areas, agencies and counters lie under which.

The whole organisation of a province is a few hundred rows, so it is read once per request and walked in
Python; scope checks then cost no queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter

Unit = Area | Agency | Counter


@dataclass(frozen=True)
class Scope:
    """Where a person's rights apply: the whole province (no unit), an area's subtree, an agency, or a counter."""

    kind: str  # "province", "area", "agency" or "counter"
    id: int | None = None

    @classmethod
    def province(cls) -> Scope:
        return cls("province")


@dataclass
class OrgTree:
    """The hierarchy (area → sub-areas → agencies → counters) and the former-district grouping.

    A former district (an area that is its own ``former_district``) contains, besides its own sub-areas, every
    area grouped under it: the communes formed from its former communes since 1 July 2025.
    """

    area_parent: dict[int, int | None] = field(default_factory=dict)
    agency_area: dict[int, int] = field(default_factory=dict)
    counter_agency: dict[int, int] = field(default_factory=dict)
    #: Each area's grouping (its former district), when it has one.
    area_group: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls) -> OrgTree:
        tree = cls()
        for area_id, parent_id, group_id in db.session.execute(
            select(Area.id, Area.parent_id, Area.former_district_id)
        ):
            tree.area_parent[area_id] = parent_id
            if group_id is not None:
                tree.area_group[area_id] = group_id
        for agency_id, area_id in db.session.execute(select(Agency.id, Agency.area_id)):
            tree.agency_area[agency_id] = area_id
        for counter_id, agency_id in db.session.execute(select(Counter.id, Counter.agency_id)):
            tree.counter_agency[counter_id] = agency_id
        return tree

    def area_chain(self, area_id: int) -> list[int]:
        """The area and its ancestors up to the root."""
        chain: list[int] = []
        current: int | None = area_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self.area_parent.get(current)
        return chain

    def area_within(self, area_id: int, scope_area: int) -> bool:
        """Whether ``area_id`` lies under ``scope_area``, or in its grouping when that is a former district."""
        if scope_area in self.area_chain(area_id):
            return True
        return self.area_group.get(scope_area) == scope_area and self.area_group.get(area_id) == scope_area

    def contains(self, scope: Scope, unit: Unit) -> bool:
        """Whether ``unit`` lies inside ``scope``."""
        if scope.kind == "province":
            return True
        if isinstance(unit, Counter):
            counter_id, agency_id = unit.id, self.counter_agency.get(unit.id, unit.agency_id)
            area_id = self.agency_area.get(agency_id)
        elif isinstance(unit, Agency):
            counter_id, agency_id, area_id = None, unit.id, self.agency_area.get(unit.id, unit.area_id)
        else:
            counter_id, agency_id, area_id = None, None, unit.id
        if scope.kind == "counter":
            return counter_id == scope.id
        if scope.kind == "agency":
            return agency_id == scope.id
        return area_id is not None and self.area_within(area_id, scope.id)

    def agencies_in(self, scope: Scope) -> set[int]:
        """Ids of the agencies wholly inside ``scope`` (none for a single counter)."""
        if scope.kind == "province":
            return set(self.agency_area)
        if scope.kind == "agency":
            return {scope.id}
        if scope.kind == "counter":
            return set()
        return {a for a, area in self.agency_area.items() if self.area_within(area, scope.id)}

    def counters_in(self, scope: Scope) -> set[int]:
        if scope.kind == "counter":
            return {scope.id}
        agencies = self.agencies_in(scope)
        return {c for c, a in self.counter_agency.items() if a in agencies}

    def areas_in(self, scope: Scope) -> set[int]:
        """The areas inside ``scope``: a subtree for an area or the province, nothing for an agency or counter."""
        if scope.kind == "province":
            return set(self.area_parent)
        if scope.kind == "area":
            return {a for a in self.area_parent if self.area_within(a, scope.id)}
        return set()

    def filter(self, scope: Scope, units: Iterable[Unit]) -> list[Unit]:
        return [unit for unit in units if self.contains(scope, unit)]
