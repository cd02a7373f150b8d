"""Placing point labels: never over another label, beside the point when there is room, else with a leader."""

from __future__ import annotations

import itertools

from surveyapp.charts._labels import Box, Request, place_labels

AREA = Box(0, 0, 300, 200)


def test_a_lone_point_gets_its_label_beside_it_on_the_right():
    (placement,) = place_labels([Request(0, 60, 16, down=True)], [(100, 100)], 6, AREA)
    assert not placement.apart
    assert placement.box.left > 100 and placement.box.top < 100 < placement.box.bottom


def test_crowded_labels_never_overlap_and_those_set_apart_are_marked():
    points = [(100 + 6 * i, 100 + (i % 3) * 4) for i in range(8)]
    requests = [Request(i, 70, 16, down=True) for i in range(8)]
    placements = place_labels(requests, points, 6, AREA)
    boxes = [p.box for p in placements if p is not None]
    assert len(boxes) >= 6
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))
    assert all(box.within(AREA) for box in boxes)
    assert any(p.apart for p in placements if p is not None)


def test_a_label_without_room_is_left_out():
    area = Box(0, 0, 100, 30)
    requests = [Request(0, 90, 16, down=True), Request(1, 90, 16, down=True)]
    placements = place_labels(requests, [(10, 15), (80, 15)], 4, area, reserved=[Box(0, 0, 100, 12)])
    assert placements.count(None) >= 1


def test_reserved_boxes_are_avoided():
    reserved = [Box(105, 80, 200, 120)]  # where the label would go on the right
    (placement,) = place_labels([Request(0, 60, 16, down=True)], [(100, 100)], 6, AREA, reserved)
    assert not placement.box.overlaps(reserved[0])
