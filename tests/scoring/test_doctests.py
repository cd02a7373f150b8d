"""Run the Examples sections of every public docstring."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "scoring",
    "scoring._spec",
    "scoring._weights",
    "scoring._collapse",
    "scoring._combine",
    "scoring._intervals",
    "scoring._design",
    "scoring._score",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if name != "scoring":
        assert result.attempted > 0
