"""Scores: reading a period's responses, weighting them, and computing SIPAS indices at every level of the
organisation with the :mod:`scoring` library."""
