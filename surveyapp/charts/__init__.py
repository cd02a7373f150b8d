"""Charts as SVG documents for dashboards and PDF reports.

Pure functions: plain data in (the frozen dataclasses below), an SVG document out, as a string to put inline in
HTML (``markupsafe.Markup``) or in a page WeasyPrint renders. Text is real ``<text>``, escaped, in Vietnamese
or English number style; every chart has ``role="img"``, a ``<title>`` and a ``<desc>`` that summarises it.
"""

from surveyapp.charts._bar import index_bar_chart
from surveyapp.charts._data import FunnelLimitLines, FunnelPoint, IndexItem, TrendPoint, funnel_points
from surveyapp.charts._funnel import funnel_plot
from surveyapp.charts._trend import sparkline, trend_chart

__all__ = [
    "FunnelLimitLines",
    "FunnelPoint",
    "IndexItem",
    "TrendPoint",
    "funnel_plot",
    "funnel_points",
    "index_bar_chart",
    "sparkline",
    "trend_chart",
]
