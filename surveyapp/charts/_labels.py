"""Placing point labels so that they never cover each other and, where there is room, cover no point.

Each label has candidate boxes: beside its point (right, left, above, below, and the corners), and set apart at
growing distances, joined to the point by a leader line, first in the direction it is asked to grow (for a unit
below the funnel, downwards, where the plot is usually empty), then the other way and sideways. A candidate costs
more the farther it is; covering a point, standing nearer to another point than to its own (a reader would
attach it to the neighbour), and leader lines crossing points or other leaders add to the cost. Labels are
placed greedily, then each is moved to its cheapest candidate given the others until nothing improves; this
is done for a few orders (as given, most important first; bottom to top; left to right; reversed) and the
cheapest layout wins. Two labels never overlap, nor does a leader line run under a label: a label without a
free candidate is left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_COVERS_POINT = 30.0
_AMBIGUOUS = 25.0
_LEADER_OVER_POINT = 12.0
_CROSSING = 40.0
_ROUNDS = 3
_RINGS = 5  # how far a label may stand from its point, in label heights
_LEFT_OUT = 100.0


@dataclass(frozen=True)
class Box:
    """A rectangle in viewBox coordinates (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right and other.left < self.right and self.top < other.bottom and other.top < self.bottom
        )

    def within(self, outer: Box) -> bool:
        return (
            self.left >= outer.left
            and self.right <= outer.right
            and self.top >= outer.top
            and self.bottom <= outer.bottom
        )

    def distance(self, x: float, y: float) -> float:
        """Distance from (x, y) to the nearest point of the box."""
        dx = max(self.left - x, 0.0, x - self.right)
        dy = max(self.top - y, 0.0, y - self.bottom)
        return math.hypot(dx, dy)

    def nearest(self, x: float, y: float) -> tuple[float, float]:
        """The point of the box nearest to (x, y): where a leader line from (x, y) meets it."""
        return min(max(x, self.left), self.right), min(max(y, self.top), self.bottom)

    def crossed_by(self, x1: float, y1: float, x2: float, y2: float) -> bool:
        """Whether the segment from (x1, y1) to (x2, y2) passes through the box's interior (Liang–Barsky)."""
        t0, t1 = 0.0, 1.0
        dx, dy = x2 - x1, y2 - y1
        for p, q in ((-dx, x1 - self.left), (dx, self.right - x1), (-dy, y1 - self.top), (dy, self.bottom - y1)):
            if p == 0:
                if q <= 0:
                    return False
                continue
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 >= t1:
                return False
        return True


@dataclass(frozen=True)
class Request:
    """A label of ``width`` × ``height`` for the point ``points[index]``, growing ``down`` or up when set apart."""

    index: int
    width: float
    height: float
    down: bool


@dataclass(frozen=True)
class Placement:
    """Where a label goes, and whether it stands apart from its point (and has a leader line)."""

    box: Box
    apart: bool


@dataclass(frozen=True)
class _Candidate:
    box: Box
    apart: bool
    cost: float  # the part of the cost that does not depend on the other labels
    leader: tuple[float, float, float, float] | None


def place_labels(
    requests: Sequence[Request],
    points: Sequence[tuple[float, float]],
    radius: float,
    area: Box,
    reserved: Sequence[Box] = (),
) -> list[Placement | None]:
    """Boxes for the labels, in the order of ``requests``; None for a label that found no room.

    Parameters
    ----------
    requests : sequence of Request
        The labels, most important first.
    points : sequence of (x, y)
        Every point on the chart (labelled or not), drawn as markers of ``radius``.
    area : Box
        Where labels may go.
    reserved : sequence of Box
        Boxes already taken by other text.
    """
    xy = np.asarray(points, dtype=float).reshape(-1, 2)
    options = [_candidates(request, xy, radius, area, reserved) for request in requests]
    count = len(requests)
    orders = [
        list(range(count)),
        sorted(range(count), key=lambda i: (-xy[requests[i].index][1], i)),
        sorted(range(count), key=lambda i: (xy[requests[i].index][0], i)),
        list(reversed(range(count))),
    ]
    best: list[_Candidate | None] = [None] * count
    best_total = math.inf
    for order in orders:
        chosen = _search(order, options)
        total = _total(chosen)
        if total < best_total - 1e-9:
            best, best_total = chosen, total
    return [None if c is None else Placement(c.box, c.apart) for c in best]


def _search(order: list[int], options: list[list[_Candidate]]) -> list[_Candidate | None]:
    """Greedy placement in ``order``, then moves of one label at a time while they lower its cost."""
    chosen: list[_Candidate | None] = [None] * len(options)
    for i in order:
        chosen[i] = _cheapest(i, options[i], chosen)[0]
    for _ in range(_ROUNDS):
        improved = False
        for i in order:
            current = chosen[i]
            current_cost = math.inf if current is None else _cost(current, i, chosen)
            candidate, cost = _cheapest(i, options[i], chosen)
            if cost < current_cost - 1e-9:
                chosen[i] = candidate
                improved = True
        if not improved:
            break
    return chosen


def _total(chosen: list[_Candidate | None]) -> float:
    """The cost of a whole layout: each label's cost, and a heavy one for each label left out (more for the
    first, most important ones)."""
    total = 0.0
    for i, candidate in enumerate(chosen):
        if candidate is None:
            total += _LEFT_OUT * (1 + 1 / (1 + i))
        else:
            total += _cost(candidate, i, chosen)
    return total


def _cost(candidate: _Candidate, index: int, chosen: Sequence[_Candidate | None]) -> float:
    """The cost of ``candidate`` given the other labels: infinite when it overlaps one, or a leader line passes
    through a label (the label would hide it)."""
    cost = candidate.cost
    for j, other in enumerate(chosen):
        if other is None or j == index:
            continue
        if candidate.box.overlaps(other.box):
            return math.inf
        if other.leader and candidate.box.crossed_by(*other.leader):
            return math.inf
        if candidate.leader and other.box.crossed_by(*candidate.leader):
            return math.inf
        if candidate.leader and other.leader and _segments_cross(candidate.leader, other.leader):
            cost += _CROSSING
    return cost


def _cheapest(
    index: int, options: list[_Candidate], chosen: Sequence[_Candidate | None]
) -> tuple[_Candidate | None, float]:
    best: _Candidate | None = None
    best_cost = math.inf
    for candidate in options:  # sorted by their own cost, which the others can only raise
        if candidate.cost >= best_cost:
            break
        cost = _cost(candidate, index, chosen)
        if cost < best_cost:
            best, best_cost = candidate, cost
    return best, best_cost


def _candidates(
    request: Request, xy: np.ndarray, radius: float, area: Box, reserved: Sequence[Box]
) -> list[_Candidate]:
    x, y = xy[request.index]
    w, h, gap = request.width, request.height, radius + 2
    places: list[tuple[float, float, bool, float]] = [
        (x + gap, y - h / 2, False, 0.0),
        (x - gap - w, y - h / 2, False, 0.5),
        (x + gap, y - h - 1, False, 1.0),
        (x + gap, y + 1, False, 1.0),
        (x - gap - w, y - h - 1, False, 1.5),
        (x - gap - w, y + 1, False, 1.5),
        (x - w / 2, y - gap - h, False, 2.0),
        (x - w / 2, y + gap, False, 2.0),
    ]
    for ring in range(1, _RINGS + 1):
        offset = gap + ring * (h + 2)
        forward, backward = (y + offset, y - offset - h) if request.down else (y - offset - h, y + offset)
        for top, extra in ((forward, 0.0), (backward, 6.0)):
            for shift in (0.0, 0.5, -0.5, 1.0, -1.0):
                places.append((x - w / 2 + shift * (w + 8), top, True, 8 + 8 * ring + 4 * abs(shift) + extra))
        if ring <= _RINGS // 2:
            for top in (y - h / 2, y - h, y):
                places.append((x + gap + ring * 24, top, True, 10 + 8 * ring))
                places.append((x - gap - w - ring * 24, top, True, 10.5 + 8 * ring))

    others = np.delete(xy, request.index, axis=0)
    candidates = []
    for left, top, apart, cost in places:
        box = Box(left, top, left + w, top + h)
        if not box.within(area) or any(box.overlaps(r) for r in reserved):
            continue
        cost += _COVERS_POINT * _points_in(box, others, radius)
        leader = None
        if apart:
            leader = (x, y, *box.nearest(x, y))
            cost += _LEADER_OVER_POINT * _points_on(leader, others, radius)
        elif len(others) and _distances(box, others).min() <= box.distance(x, y) + 2:
            cost += _AMBIGUOUS
        candidates.append(_Candidate(box, apart, cost, leader))
    candidates.sort(key=lambda c: c.cost)
    return candidates


def _segments_cross(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two segments properly cross (touching ends do not count)."""

    def side(px: float, py: float, qx: float, qy: float, rx: float, ry: float) -> float:
        return (qx - px) * (ry - py) - (qy - py) * (rx - px)

    d1 = side(b[0], b[1], b[2], b[3], a[0], a[1])
    d2 = side(b[0], b[1], b[2], b[3], a[2], a[3])
    d3 = side(a[0], a[1], a[2], a[3], b[0], b[1])
    d4 = side(a[0], a[1], a[2], a[3], b[2], b[3])
    return d1 * d2 < 0 and d3 * d4 < 0


def _points_in(box: Box, xy: np.ndarray, radius: float) -> int:
    """How many markers of ``radius`` centred at ``xy`` the box overlaps."""
    if not len(xy):
        return 0
    hits = (
        (xy[:, 0] - radius < box.right)
        & (box.left < xy[:, 0] + radius)
        & (xy[:, 1] - radius < box.bottom)
        & (box.top < xy[:, 1] + radius)
    )
    return int(np.count_nonzero(hits))


def _distances(box: Box, xy: np.ndarray) -> np.ndarray:
    dx = np.maximum.reduce([box.left - xy[:, 0], np.zeros(len(xy)), xy[:, 0] - box.right])
    dy = np.maximum.reduce([box.top - xy[:, 1], np.zeros(len(xy)), xy[:, 1] - box.bottom])
    return np.hypot(dx, dy)


def _points_on(segment: tuple[float, float, float, float], xy: np.ndarray, radius: float) -> int:
    """How many markers of ``radius`` centred at ``xy`` the segment passes through."""
    if not len(xy):
        return 0
    x1, y1, x2, y2 = segment
    dx, dy = x2 - x1, y2 - y1
    length = dx * dx + dy * dy
    if length == 0:
        return 0
    t = np.clip(((xy[:, 0] - x1) * dx + (xy[:, 1] - y1) * dy) / length, 0.0, 1.0)
    distance = np.hypot(xy[:, 0] - (x1 + t * dx), xy[:, 1] - (y1 + t * dy))
    return int(np.count_nonzero(distance < radius))
