"""The examples in the charts' docstrings run as written."""

from __future__ import annotations

import doctest

import pytest

from surveyapp.charts import _bar, _data, _funnel, _trend


@pytest.mark.parametrize("module", [_bar, _data, _funnel, _trend])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
