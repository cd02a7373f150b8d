"""Units of the organisation as reports and exports address them: by kind and code, with their scope and level."""

from __future__ import annotations

from collections.abc import Callable

from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter
from surveyapp.organisation.tree import OrgTree, Scope
from surveyapp.scores.service import Unit

#: The kinds of unit in URLs (``/reports/agency/so-tu-phap.pdf``) and their models.
UNIT_MODELS: dict[str, type[Area] | type[Agency] | type[Counter]] = {"area": Area, "agency": Agency, "counter": Counter}


def kind_of(unit: Area | Agency | Counter) -> str:
    return "area" if isinstance(unit, Area) else ("agency" if isinstance(unit, Agency) else "counter")


def level_of(unit: Area | Agency | Counter) -> str:
    """The scoring level of a unit: ``counter``, ``agency``, or its area level (``district``, ``province``)."""
    return unit.level if isinstance(unit, Area) else kind_of(unit)


def scope_of(unit: Area | Agency | Counter) -> Scope:
    """The scope made of ``unit`` and everything under it."""
    return Scope(kind_of(unit), unit.id)


def inside(tree: OrgTree, scope: Scope) -> Callable[[Unit], bool]:
    """A test of whether a scored unit lies inside ``scope`` (e.g. ``compare_level``'s ``keep``)."""

    def keep(unit: Unit) -> bool:
        found = db.session.get(UNIT_MODELS[unit.kind], unit.id)
        return found is not None and tree.contains(scope, found)

    return keep
