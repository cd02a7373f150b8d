"""The questionnaire's index structure: criteria grouped into elements, with weights."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scoring._checks import readonly

#: Name of the headline index (weighted mean of the element indices).
OVERALL = "overall"


@dataclass(frozen=True)
class IndexSpec:
    """Which criteria (columns of the answer matrix) make up which element, and how they are weighted.

    Parameters
    ----------
    items : tuple of str
        Criterion codes, in the column order of the answer matrix.
    item_elements : tuple of str
        The element code of each criterion (same length as ``items``).
    elements : tuple of str
        Element codes, in report order; every element has at least one criterion.
    item_weights : tuple of float
        Positive weight of each criterion inside its element (only ratios within an element matter).
    element_weights : tuple of float
        Positive weight of each element in the overall index (only ratios matter).
    satisfied_codes : frozenset of int
        Answer codes that count as satisfied (SIPAS: 4 and 5). Code 0 always means skipped.
    max_code : int
        Highest valid answer code (5 on the SIPAS scale).

    Notes
    -----
    The criterion index of criterion :math:`k` is a ratio :math:`\\hat p_k`; the element index of
    element :math:`e` and the overall index are linear combinations of the criterion indices,

    .. math::

        \\hat E_e = \\sum_{k \\in e} \\frac{v_k}{\\sum_{l \\in e} v_l} \\hat p_k, \\qquad
        \\hat O = \\sum_e \\frac{u_e}{\\sum_f u_f} \\hat E_e,

    with criterion weights :math:`v` and element weights :math:`u`. :meth:`contrasts` returns these
    coefficients as a matrix. In a unit where a criterion has no valid answer, the scorer rescales the
    weights over the criteria that have one (see :func:`scoring.score`).

    References
    ----------
    Quyết định 1001/QĐ-BNV (2023), the SIPAS method 2023–2026; Lumley, T. (2010), *Complex Surveys*,
    Wiley, section 2.4 (linear combinations of estimates).

    Examples
    --------
    >>> spec = IndexSpec.from_elements({"access": ["a1", "a2"], "staff": ["s1"]})
    >>> spec.names
    ('a1', 'a2', 's1', 'access', 'staff', 'overall')
    >>> spec.contrasts().tolist()
    [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [0.25, 0.25, 0.5]]
    """

    items: tuple[str, ...]
    item_elements: tuple[str, ...]
    elements: tuple[str, ...]
    item_weights: tuple[float, ...]
    element_weights: tuple[float, ...]
    satisfied_codes: frozenset[int] = frozenset({4, 5})
    max_code: int = 5

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(str(i) for i in self.items))
        object.__setattr__(self, "item_elements", tuple(str(e) for e in self.item_elements))
        object.__setattr__(self, "elements", tuple(str(e) for e in self.elements))
        object.__setattr__(self, "item_weights", tuple(float(v) for v in self.item_weights))
        object.__setattr__(self, "element_weights", tuple(float(v) for v in self.element_weights))
        object.__setattr__(self, "satisfied_codes", frozenset(int(c) for c in self.satisfied_codes))
        if not self.items:
            raise ValueError("An index needs at least one criterion.")
        if len(self.item_elements) != len(self.items) or len(self.item_weights) != len(self.items):
            raise ValueError(
                f"There are {len(self.items)} criteria but {len(self.item_elements)} element codes and "
                f"{len(self.item_weights)} criterion weights; give one of each per criterion."
            )
        if len(self.element_weights) != len(self.elements):
            raise ValueError(
                f"There are {len(self.elements)} elements but {len(self.element_weights)} element weights."
            )
        names = self.names
        if len(set(names)) != len(names):
            raise ValueError(
                f"Criterion and element codes must be distinct from each other and from {OVERALL!r}: {names}."
            )
        unknown = sorted(set(self.item_elements) - set(self.elements))
        if unknown:
            raise ValueError(f"Criteria refer to unknown elements {unknown}.")
        empty = [e for e in self.elements if e not in self.item_elements]
        if empty:
            raise ValueError(f"Elements {empty} have no criteria.")
        for label, values in (("criterion", self.item_weights), ("element", self.element_weights)):
            if not all(np.isfinite(v) and v > 0 for v in values):
                raise ValueError(f"Every {label} weight must be positive and finite, got {values}.")
        if not 1 <= self.max_code <= 254:
            raise ValueError(f"max_code must lie between 1 and 254, got {self.max_code}.")
        bad = sorted(c for c in self.satisfied_codes if not 1 <= c <= self.max_code)
        if bad or not self.satisfied_codes:
            raise ValueError(
                f"Satisfied codes must be a non-empty set of answer codes 1..{self.max_code}, got "
                f"{sorted(self.satisfied_codes)}."
            )

    @classmethod
    def from_elements(
        cls,
        elements: Mapping[str, Sequence[str]],
        *,
        item_weights: Mapping[str, float] | None = None,
        element_weights: Mapping[str, float] | None = None,
        satisfied_codes: Iterable[int] = (4, 5),
        max_code: int = 5,
    ) -> IndexSpec:
        """Build a spec from ``{element: [criterion, ...]}`` in column order; weights default to 1.

        Parameters
        ----------
        elements : mapping of str to sequence of str
            Element codes to their criteria; criteria are numbered in the order given.
        item_weights, element_weights : mapping of str to float, optional
            Weights by code; codes left out get weight 1.
        satisfied_codes : iterable of int
            Codes counted as satisfied.
        max_code : int
            Highest answer code.

        Returns
        -------
        IndexSpec
        """
        item_weights = dict(item_weights or {})
        element_weights = dict(element_weights or {})
        items = [i for e in elements for i in elements[e]]
        unknown = sorted((set(item_weights) - set(items)) | (set(element_weights) - set(elements)))
        if unknown:
            raise ValueError(f"Weights are given for unknown codes {unknown}.")
        return cls(
            items=tuple(items),
            item_elements=tuple(e for e in elements for _ in elements[e]),
            elements=tuple(elements),
            item_weights=tuple(item_weights.get(i, 1.0) for i in items),
            element_weights=tuple(element_weights.get(e, 1.0) for e in elements),
            satisfied_codes=frozenset(satisfied_codes),
            max_code=max_code,
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Names of all estimates: criteria, then elements, then ``"overall"``."""
        return (*self.items, *self.elements, OVERALL)

    def membership(self) -> np.ndarray:
        """Boolean matrix (E, K): criterion k belongs to element e."""
        index = {e: i for i, e in enumerate(self.elements)}
        member = np.zeros((len(self.elements), len(self.items)), dtype=bool)
        member[[index[e] for e in self.item_elements], np.arange(len(self.items))] = True
        return readonly(member)

    def contrasts(self, available: np.ndarray | None = None) -> np.ndarray:
        """Coefficients of the element and overall indices on the criterion indices.

        Parameters
        ----------
        available : ndarray of bool, shape (K,) or (D, K), optional
            Which criteria have an estimate (in each unit). Weights are rescaled over the available
            criteria, and over the elements that keep at least one; a composite with nothing available
            gets a row of zeros.

        Returns
        -------
        ndarray, shape (E + 1, K) or (D, E + 1, K)
            Rows: elements in order, then the overall index. Each non-zero row sums to 1.
        """
        member = self.membership().astype(np.float64)
        item_w = np.asarray(self.item_weights) * member  # (E, K)
        avail = np.ones(len(self.items), dtype=bool) if available is None else np.asarray(available, bool)
        squeeze = avail.ndim == 1
        avail = np.atleast_2d(avail)
        weights = item_w[None, :, :] * avail[:, None, :]  # (D, E, K)
        totals = weights.sum(axis=2, keepdims=True)
        element_rows = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        elem_w = np.asarray(self.element_weights)[None, :] * (totals[:, :, 0] > 0)  # (D, E)
        elem_tot = elem_w.sum(axis=1, keepdims=True)
        elem_share = np.divide(elem_w, elem_tot, out=np.zeros_like(elem_w), where=elem_tot > 0)
        overall = np.einsum("de,dek->dk", elem_share, element_rows)
        rows = np.concatenate([element_rows, overall[:, None, :]], axis=1)
        return readonly(rows[0] if squeeze else rows)
