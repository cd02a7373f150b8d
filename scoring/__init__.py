"""SIPAS-style satisfaction scoring: indices, respondent weights, variances, intervals and comparisons.

A pure library: arrays in, frozen dataclasses out. It imports only the standard library, numpy and scipy,
never Flask or a database.
"""
