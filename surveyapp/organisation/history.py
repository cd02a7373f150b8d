"""Where a unit's citizens came from: its predecessors across reorganisations, with the share of each.

A unit merged whole into another passes all of its citizens on (``successor``, share 1); a unit split among
several passes on the share recorded for each (:class:`~surveyapp.organisation.models.UnitSplit`). Chains are
followed back (a commune merged in 2025 into a unit merged again later), multiplying the shares.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from surveyapp.db import db
from surveyapp.organisation.models import Agency, Area, Counter, UnitSplit

MODELS = {"area": Area, "agency": Agency, "counter": Counter}


def predecessors(kind: str, unit_id: int, serving_after: dt.date) -> dict[int, float]:
    """The units of ``kind`` whose citizens passed, directly or through other units, to unit ``unit_id``, and
    the share of each that did; only those still serving citizens after ``serving_after`` (retired later).

    The unit itself is not included.
    """
    model = MODELS[kind]
    incoming: dict[int, list[tuple[int, float]]] = defaultdict(list)
    retired: dict[int, dt.date | None] = {}
    for unit_id_, successor_id, retired_on in db.session.execute(
        select(model.id, model.successor_id, model.retired_on)
    ):
        retired[unit_id_] = retired_on
        if successor_id is not None:
            incoming[successor_id].append((unit_id_, 1.0))
    for split in db.session.scalars(select(UnitSplit).where(UnitSplit.kind == kind)):
        incoming[split.successor_id].append((split.predecessor_id, split.share))
    found: dict[int, float] = defaultdict(float)
    stack = [(unit_id, 1.0, frozenset({unit_id}))]
    while stack:
        current, share, seen = stack.pop()
        for predecessor, part in incoming.get(current, ()):
            if predecessor in seen:
                continue
            found[predecessor] += share * part
            stack.append((predecessor, share * part, seen | {predecessor}))
    return {
        unit: min(share, 1.0)
        for unit, share in found.items()
        if retired.get(unit) is not None and retired[unit] > serving_after
    }


def area_predecessor_agencies(area_id: int, serving_after: dt.date) -> dict[int, float]:
    """The agencies whose citizens passed to the agencies of area ``area_id`` (those of other areas), with the
    share of each that did: the predecessors of an area's figures, which are made of its agencies'."""
    own = set(db.session.scalars(select(Agency.id).where(Agency.area_id == area_id)))
    total: dict[int, float] = defaultdict(float)
    for agency_id in own:
        for predecessor, share in predecessors("agency", agency_id, serving_after).items():
            if predecessor not in own:
                total[predecessor] += share
    return {agency: min(share, 1.0) for agency, share in total.items()}
