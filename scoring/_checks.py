"""Input checks shared by the public functions: each raises ``ValueError`` with a full sentence."""

from __future__ import annotations

import numpy as np


def readonly(array: np.ndarray) -> np.ndarray:
    """Return ``array`` marked read-only (the results of this library are immutable)."""
    array.setflags(write=False)
    return array


def as_codes(values: object, name: str, n: int | None = None, *, allow_none: bool = False) -> np.ndarray:
    """Return ``values`` as a 1-D int64 array of category codes (>= 0, or -1 when ``allow_none``)."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional array of integer codes, got shape {array.shape}.")
    if n is not None and array.shape[0] != n:
        raise ValueError(f"{name} has {array.shape[0]} entries but there are {n} respondents.")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        if not np.issubdtype(array.dtype, np.floating) or not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must hold integer codes.")
        if not np.all(array == np.round(array)):
            raise ValueError(f"{name} must hold integer codes, not fractions.")
    array = array.astype(np.int64, copy=False)
    lowest = -1 if allow_none else 0
    if array.size and array.min() < lowest:
        allowed = "-1 (not in any domain) or a code >= 0" if allow_none else "codes >= 0"
        raise ValueError(f"{name} holds {int(array.min())}; only {allowed} are allowed.")
    return array


def as_weights(values: object, name: str, n: int | None = None, *, positive: bool = True) -> np.ndarray:
    """Return ``values`` as a 1-D float64 array of finite weights (> 0, or >= 0 when not ``positive``)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional array, got shape {array.shape}.")
    if n is not None and array.shape[0] != n:
        raise ValueError(f"{name} has {array.shape[0]} entries but there are {n} respondents.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds a value that is not finite (nan or infinity).")
    if positive and array.size and array.min() <= 0:
        raise ValueError(
            f"{name} holds {array.min():g}; every weight must be positive "
            "(leave out respondents that should not count instead of giving them weight 0)."
        )
    if not positive and array.size and array.min() < 0:
        raise ValueError(f"{name} holds the negative value {array.min():g}.")
    return array


def check_confidence(confidence: float) -> float:
    """Return ``confidence`` as a float strictly between 0 and 1."""
    value = float(confidence)
    if not 0.0 < value < 1.0:
        raise ValueError(f"The confidence level must lie strictly between 0 and 1, got {confidence!r}.")
    return value


def check_target(target: float | None) -> float | None:
    """Return ``target`` as a float strictly between 0 and 1 (or None)."""
    if target is None:
        return None
    value = float(target)
    if not 0.0 < value < 1.0:
        raise ValueError(f"The target must lie strictly between 0 and 1, got {target!r}.")
    return value
