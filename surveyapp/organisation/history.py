"""Where a unit's citizens came from: its predecessors across reorganisations, with the share of each.

A unit merged whole into another passes all of its citizens on (``successor``, share 1); a unit split among
several passes on the share recorded for each (:class:`~surveyapp.organisation.models.UnitSplit`). Chains are
followed back (a commune merged in 2025 into a unit merged again later), multiplying the shares.

The links of the whole organisation are a few hundred rows: :class:`History` reads them once and answers every
question from memory (a page asks for each period of a trend).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from surveyapp.db import db
from surveyapp.organisation.models import UNIT_MODELS, Agency, UnitSplit


@dataclass
class History:
    """The succession links of every unit, by kind: who passed citizens to whom, and when units retired."""

    #: kind → successor id → [(predecessor id, share)].
    incoming: dict[str, dict[int, list[tuple[int, float]]]] = field(default_factory=dict)
    #: kind → unit id → day it retired (None while in service).
    retired: dict[str, dict[int, dt.date | None]] = field(default_factory=dict)
    #: agency id → area id.
    agency_area: dict[int, int] = field(default_factory=dict)
    _memo: dict[tuple, dict[int, float]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, kinds: tuple[str, ...] = ("area", "agency")) -> History:
        history = cls()
        for kind in kinds:
            model = UNIT_MODELS[kind]
            incoming: dict[int, list[tuple[int, float]]] = defaultdict(list)
            retired: dict[int, dt.date | None] = {}
            for unit_id, successor_id, retired_on in db.session.execute(
                select(model.id, model.successor_id, model.retired_on)
            ):
                retired[unit_id] = retired_on
                if successor_id is not None:
                    incoming[successor_id].append((unit_id, 1.0))
            for predecessor, successor, share in db.session.execute(
                select(UnitSplit.predecessor_id, UnitSplit.successor_id, UnitSplit.share).where(UnitSplit.kind == kind)
            ):
                incoming[successor].append((predecessor, share))
            history.incoming[kind], history.retired[kind] = dict(incoming), retired
        history.agency_area = dict(db.session.execute(select(Agency.id, Agency.area_id)).all())
        return history

    def predecessors(self, kind: str, unit_id: int, serving_after: dt.date) -> dict[int, float]:
        """The units of ``kind`` whose citizens passed, directly or through other units, to unit ``unit_id``,
        and the share of each that did; only those still serving citizens after ``serving_after`` (retired
        later). The unit itself is not included."""
        key = ("unit", kind, unit_id, serving_after)
        if key not in self._memo:
            incoming, retired = self.incoming.get(kind, {}), self.retired.get(kind, {})
            found: dict[int, float] = defaultdict(float)
            stack = [(unit_id, 1.0, frozenset({unit_id}))]
            while stack:
                current, share, seen = stack.pop()
                for predecessor, part in incoming.get(current, ()):
                    if predecessor in seen:
                        continue
                    found[predecessor] += share * part
                    stack.append((predecessor, share * part, seen | {predecessor}))
            self._memo[key] = {
                unit: min(share, 1.0)
                for unit, share in found.items()
                if retired.get(unit) is not None and retired[unit] > serving_after
            }
        return self._memo[key]

    def area_predecessor_agencies(self, area_id: int, serving_after: dt.date) -> dict[int, float]:
        """The agencies whose citizens passed to the agencies of area ``area_id`` (those of other areas), with
        the share of each that did: the predecessors of an area's figures, which are made of its agencies'."""
        key = ("area", area_id, serving_after)
        if key not in self._memo:
            own = {agency for agency, area in self.agency_area.items() if area == area_id}
            total: dict[int, float] = defaultdict(float)
            for agency_id in own:
                for predecessor, share in self.predecessors("agency", agency_id, serving_after).items():
                    if predecessor not in own:
                        total[predecessor] += share
            self._memo[key] = {agency: min(share, 1.0) for agency, share in total.items()}
        return self._memo[key]
