"""collapse_cells: hand-computed cases, bad inputs, and properties for any data (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import MIN_CELL_COUNT, CollapsedCells, collapse_cells, poststratify


def respondents(counts: list[int]) -> np.ndarray:
    """Cell code of each respondent, ``counts[c]`` respondents in cell c (shuffled: order must not matter)."""
    cells = np.repeat(np.arange(len(counts)), counts)
    return np.random.default_rng(len(cells)).permutation(cells)


def collapse(counts, parents, totals=None, min_count=MIN_CELL_COUNT) -> tuple[np.ndarray, CollapsedCells]:
    cells = respondents(counts)
    totals = [100.0 * (c + 1) for c in range(len(counts))] if totals is None else totals
    return cells, collapse_cells(cells, parents, totals, min_count)


def test_default_minimum_is_twenty():
    assert MIN_CELL_COUNT == 20
    _, c = collapse([19, 20], [0, 1])
    assert c.members == ((0,), (1,))
    assert c.sparse.tolist() == [True, False]


def test_pool_of_small_and_empty_cells_joins_the_only_big_cell():
    # One parent: cells of 25, 3, 1 and 0 respondents; the empty cell has a population of 40.
    _, c = collapse([25, 3, 1, 0], [0, 0, 0, 0], [500.0, 70.0, 30.0, 40.0])
    assert c.members == ((0, 1, 2, 3),)
    assert c.counts.tolist() == [29]
    assert c.total.tolist() == [640.0]
    assert c.merged.tolist() == [True]
    assert c.sparse.tolist() == [False]
    np.testing.assert_array_equal(c.cell, np.zeros(29, dtype=int))
    assert c.mapping.tolist() == [0, 0, 0, 0]
    assert c.parent.tolist() == [0]


def test_pool_large_enough_becomes_a_cell_of_its_own():
    # 30 stays; 12 + 9 + 0 = 21 >= 20 respondents: the pool is one new cell.
    cells, c = collapse([30, 12, 9, 0], [0, 0, 0, 0], [900.0, 200.0, 100.0, 5.0])
    assert c.members == ((0,), (1, 2, 3))
    assert c.counts.tolist() == [30, 21]
    assert c.total.tolist() == [900.0, 305.0]
    assert c.merged.tolist() == [False, True]
    np.testing.assert_array_equal(c.cell, np.where(cells == 0, 0, 1))


def test_pool_too_small_joins_the_smallest_big_cell():
    # 40 and 22 stay; the pool 5 + 2 = 7 < 20 joins the smaller of them (22, cell 1).
    _, c = collapse([40, 22, 5, 2], [0, 0, 0, 0], [1000.0, 300.0, 60.0, 20.0])
    assert c.members == ((0,), (1, 2, 3))
    assert c.counts.tolist() == [40, 29]
    assert c.total.tolist() == [1000.0, 380.0]


def test_ties_between_smallest_big_cells_go_to_the_lowest_code():
    _, c = collapse([21, 21, 3], [0, 0, 0])
    assert c.members == ((0, 2), (1,))


def test_pool_joins_the_smallest_big_cell_even_when_it_has_a_higher_code():
    _, c = collapse([3, 50, 21, 1], [0, 0, 0, 0])
    assert c.members == ((0, 2, 3), (1,))
    assert c.counts.tolist() == [25, 50]


def test_parent_without_a_big_cell_becomes_one_cell():
    # 5 + 4 + 0 = 9 < 20: the parent is one cell with the parent total, still below the minimum.
    _, c = collapse([5, 4, 0], [0, 0, 0], [50.0, 60.0, 70.0])
    assert c.members == ((0, 1, 2),)
    assert c.total.tolist() == [180.0]
    assert c.counts.tolist() == [9]
    assert c.sparse.tolist() == [True]
    assert c.merged.tolist() == [True]


@pytest.mark.parametrize(("size", "sparse"), [(7, True), (25, False)])
def test_parent_with_only_empty_cells_but_one(size, sparse):
    # The empty cells' population is not lost: it goes to the parent's one cell with respondents.
    _, c = collapse([0, size, 0], [0, 0, 0], [10.0, 20.0, 30.0])
    assert c.members == ((0, 1, 2),)
    assert c.total.tolist() == [60.0]
    assert c.counts.tolist() == [size]
    assert c.sparse.tolist() == [sparse]


def test_cells_without_respondents_or_population_take_no_part():
    _, c = collapse([25, 0, 30, 0], [0, 0, 1, 1], [100.0, 0.0, 200.0, 0.0])
    assert c.members == ((0,), (2,))
    assert c.mapping.tolist() == [0, -1, 1, -1]
    assert c.merged.tolist() == [False, False]
    # A parent with neither respondents nor population simply has no cell.
    _, c = collapse([25, 0], [0, 1], [100.0, 0.0])
    assert c.members == ((0,),)
    assert c.parent.tolist() == [0]


def test_several_parents_are_numbered_by_parent_then_lowest_code():
    # Parents given out of order: cells 0 and 3 belong to parent 1, cells 1, 2, 4 to parent 0.
    counts = [30, 2, 40, 1, 25]
    parents = [1, 0, 0, 1, 0]
    totals = [300.0, 20.0, 400.0, 10.0, 250.0]
    cells, c = collapse(counts, parents, totals)
    # parent 0: 40 and 25 stay, cell 1 (2) joins cell 4 (25); parent 1: 30 stays, cell 3 (1) joins it
    assert c.members == ((1, 4), (2,), (0, 3))
    assert c.parent.tolist() == [0, 0, 1]
    assert c.counts.tolist() == [27, 40, 31]
    assert c.total.tolist() == [270.0, 400.0, 310.0]
    assert c.mapping.tolist() == [2, 0, 1, 2, 0]
    np.testing.assert_array_equal(c.cell, c.mapping[cells])


def test_totals_are_kept_overall_and_per_parent_and_respondents_stay_in_their_parent():
    rng = np.random.default_rng(7)
    counts = rng.integers(0, 35, 60)
    parents = np.repeat(np.arange(12), 5)
    totals = np.where(rng.random(60) < 0.8, rng.uniform(10, 5000, 60), 0.0)
    totals[counts > 0] += 1.0
    cells, c = collapse(counts.tolist(), parents, totals)
    np.testing.assert_allclose(c.total.sum(), totals.sum(), rtol=1e-13)
    np.testing.assert_allclose(
        np.bincount(c.parent, weights=c.total, minlength=12), np.bincount(parents, weights=totals), rtol=1e-13
    )
    np.testing.assert_array_equal(c.parent[c.cell], parents[cells])


def test_collapsed_cells_post_stratify_to_the_parent_totals():
    counts = [25, 3, 1, 0, 4, 1]
    parents = [0, 0, 0, 0, 1, 1]
    totals = [500.0, 70.0, 30.0, 40.0, 90.0, 10.0]
    cells, c = collapse(counts, parents, totals)
    with pytest.raises(ValueError, match="no respondent"):
        poststratify(cells, totals)  # cell 3 is empty
    cal = poststratify(c.cell, c.total)
    np.testing.assert_allclose(np.bincount(np.array(parents)[cells], weights=cal.weights), [640.0, 100.0])


def test_min_count_one_only_absorbs_empty_cells():
    _, c = collapse([1, 0, 2, 1], [0, 0, 0, 0], [10.0, 5.0, 20.0, 10.0], min_count=1)
    assert c.members == ((0, 1), (2,), (3,))
    assert c.total.tolist() == [15.0, 20.0, 10.0]


def test_results_are_read_only():
    _, c = collapse([25, 3], [0, 0])
    for array in (c.cell, c.total, c.counts, c.parent, c.mapping, c.merged, c.sparse):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1


def test_no_respondents_at_all():
    c = collapse_cells(np.array([], dtype=int), [0, 0], [0.0, 0.0])
    assert c.n_cells == 0 and c.cell.size == 0 and c.total.size == 0
    with pytest.raises(ValueError, match=r"Parent\(s\) \[0\]"):
        collapse_cells([], [0, 0], [1.0, 0.0])


@pytest.mark.parametrize(
    ("cell", "parent", "total", "min_count", "message"),
    [
        ([[0, 1]], [0, 0], [1.0, 1.0], 20, "one-dimensional"),
        ([0, 1], [0], [1.0, 1.0], 20, "cell_parent has 1 entries but cell_total has 2"),
        ([0, 1], [[0, 0]], [1.0, 1.0], 20, "cell_parent must be a one-dimensional"),
        ([0, 1], [0, 0], [], 20, "non-empty"),
        ([0, 1], [0, 0], [1.0, -2.0], 20, "negative total"),
        ([0, 1], [0, 0], [1.0, float("nan")], 20, "not finite"),
        ([0, 2], [0, 0], [1.0, 1.0], 20, r"cell code 2 is out of range: there are 2 cells \(codes 0..1\)"),
        ([0, -1], [0, 0], [1.0, 1.0], 20, "cell holds -1"),
        ([0, 0.5], [0, 0], [1.0, 1.0], 20, "not fractions"),
        ([0, 1], [0, -3], [1.0, 1.0], 20, "cell_parent holds -3"),
        ([0, 1], [0, 0], [1.0, 1.0], 0, "at least 1, got 0"),
        ([0, 1], [0, 0], [1.0, 1.0], 2.5, "whole number"),
        ([0, 1], [0, 0], [1.0, 1.0], True, "whole number"),
        ([0, 1], [0, 0], [1.0, 0.0], 20, r"Cell\(s\) \[1\] have respondents but a population total of 0"),
        ([0, 0], [0, 1, 2], [1.0, 5.0, 7.0], 20, r"Parent\(s\) \[1, 2\] have a positive population total"),
    ],
)
def test_bad_input_raises_a_clear_error(cell, parent, total, min_count, message):
    with pytest.raises(ValueError, match=message):
        collapse_cells(cell, parent, total, min_count)


def test_numpy_integer_min_count_is_accepted():
    _, c = collapse([3, 1], [0, 0], min_count=np.int64(2))
    assert c.min_count == 2 and isinstance(c.min_count, int)


# -- properties -------------------------------------------------------------------------------------------


@st.composite
def cell_tables(draw):
    """Cells with parents, respondent counts (many small) and totals; every parent with population has
    respondents."""
    n_cells = draw(st.integers(1, 25))
    n_parents = draw(st.integers(1, 6))
    parents = np.array(draw(st.lists(st.integers(0, n_parents - 1), min_size=n_cells, max_size=n_cells)))
    counts = np.array(
        draw(st.lists(st.one_of(st.integers(0, 3), st.integers(0, 60)), min_size=n_cells, max_size=n_cells))
    )
    positive = np.array(draw(st.lists(st.booleans(), min_size=n_cells, max_size=n_cells)))
    totals = np.array(draw(st.lists(st.floats(0.5, 1e6), min_size=n_cells, max_size=n_cells))) * (
        (counts > 0) | positive
    )
    # A parent with population but no respondent cannot be represented: drop its population.
    has_respondents = np.bincount(parents, weights=counts, minlength=n_parents) > 0
    totals = np.where(has_respondents[parents], totals, 0.0)
    min_count = draw(st.integers(1, 40))
    return counts, parents, totals, min_count


@settings(max_examples=200, deadline=None)
@given(cell_tables())
def test_collapsing_properties(table):
    counts, parents, totals, min_count = table
    cells = respondents(counts.tolist())
    c = collapse_cells(cells, parents, totals, min_count)
    live = (counts > 0) | (totals > 0)

    # Mapping: consistent in every direction, new cells ordered by parent then lowest original code.
    assert sorted(m for g in c.members for m in g) == np.flatnonzero(live).tolist()
    np.testing.assert_array_equal(c.mapping[~live], -1)
    for r, group in enumerate(c.members):
        assert list(group) == sorted(group)
        np.testing.assert_array_equal(c.mapping[list(group)], r)
        assert set(parents[list(group)].tolist()) == {c.parent[r]}  # never across parents
        assert c.counts[r] == counts[list(group)].sum()
        assert c.total[r] == pytest.approx(totals[list(group)].sum(), rel=1e-12)
    keys = [(int(c.parent[r]), g[0]) for r, g in enumerate(c.members)]
    assert keys == sorted(keys)
    np.testing.assert_array_equal(c.cell, c.mapping[cells])
    np.testing.assert_array_equal(c.counts, np.bincount(c.cell, minlength=c.n_cells))
    assert c.merged.tolist() == [len(g) > 1 for g in c.members]

    # Totals kept, overall and per parent.
    assert c.total.sum() == pytest.approx(totals.sum(), rel=1e-12)
    top = int(parents.max()) + 1
    np.testing.assert_allclose(
        np.bincount(c.parent, weights=c.total, minlength=top),
        np.bincount(parents, weights=totals, minlength=top),
        rtol=1e-12,
    )

    # Minimum size: every new cell has min_count respondents, unless its whole parent has fewer, and then
    # the parent is a single cell.
    parent_count = np.bincount(parents, weights=counts, minlength=top)
    for r in range(c.n_cells):
        if c.counts[r] < min_count:
            assert parent_count[c.parent[r]] < min_count
            assert (c.parent == c.parent[r]).sum() == 1
    assert c.sparse.tolist() == (c.counts < min_count).tolist()

    # Cells that reach the minimum are never merged with each other.
    for group in c.members:
        assert (counts[list(group)] >= min_count).sum() <= 1

    # Collapsing again changes nothing, and the new cells post-stratify to the totals.
    if c.n_cells:
        again = collapse_cells(c.cell, c.parent, c.total, min_count)
        assert again.members == tuple((r,) for r in range(c.n_cells))
        cal = poststratify(c.cell, c.total)
        np.testing.assert_allclose(np.bincount(c.cell, weights=cal.weights, minlength=c.n_cells), c.total, rtol=1e-12)


@settings(max_examples=50, deadline=None)
@given(cell_tables())
def test_a_parent_with_population_but_no_respondent_is_named(table):
    counts, parents, totals, min_count = table
    extra = int(parents.max()) + 1  # a new parent with one empty cell holding population
    with pytest.raises(ValueError, match=rf"Parent\(s\) \[{extra}\]"):
        collapse_cells(respondents(counts.tolist()), [*parents, extra], [*totals, 10.0], min_count)
