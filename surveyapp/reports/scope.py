"""Units of the organisation as reports and exports address them: by kind and code, with their scope and level."""

from __future__ import annotations

from collections.abc import Callable

from surveyapp.organisation.models import Agency, Area, Counter
from surveyapp.organisation.tree import OrgTree, Scope
from surveyapp.scores.service import FORMER_DISTRICT, Unit

#: The kinds of unit in URLs (``/reports/agency/so-tu-phap.pdf``) and their models.
UNIT_MODELS: dict[str, type[Area] | type[Agency] | type[Counter]] = {"area": Area, "agency": Agency, "counter": Counter}


def kind_of(unit: Area | Agency | Counter) -> str:
    return "area" if isinstance(unit, Area) else ("agency" if isinstance(unit, Agency) else "counter")


def level_of(unit: Area | Agency | Counter) -> str:
    """The scoring level of a unit: ``counter``, ``agency``, its area level (``commune``, ``province``), or
    the former-district grouping for a former district (an area that is its own ``former_district``), whose
    figures continue across 1 July 2025 through the communes grouped under it."""
    if isinstance(unit, Area):
        return FORMER_DISTRICT if unit.former_district_id == unit.id and unit.id is not None else unit.level
    return kind_of(unit)


def scope_of(unit: Area | Agency | Counter) -> Scope:
    """The scope made of ``unit`` and everything under it."""
    return Scope(kind_of(unit), unit.id)


def unit_inside(tree: OrgTree, scope: Scope, unit: Unit) -> bool:
    """Whether a scored unit lies inside ``scope``, read from the tree alone (as ``OrgTree.contains``, no query)."""
    if scope.kind == "province":
        return True
    counter_id = agency_id = area_id = None
    if unit.kind == "counter":
        counter_id, agency_id = unit.id, tree.counter_agency.get(unit.id)
    elif unit.kind == "agency":
        agency_id = unit.id
    else:
        area_id = unit.id
    if area_id is None and agency_id is not None:
        area_id = tree.agency_area.get(agency_id)
    if scope.kind == "counter":
        return counter_id == scope.id
    if scope.kind == "agency":
        return agency_id is not None and agency_id == scope.id
    return area_id is not None and tree.area_within(area_id, scope.id)


def inside(tree: OrgTree, scope: Scope) -> Callable[[Unit], bool]:
    """A test of whether a scored unit lies inside ``scope`` (e.g. ``compare_level``'s ``keep``)."""
    return lambda unit: unit_inside(tree, scope, unit)
