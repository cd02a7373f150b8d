"""Charts as SVG documents for dashboards and PDF reports."""

from surveyapp.charts._bar import index_bar_chart
from surveyapp.charts._data import FunnelLimitLines, FunnelPoint, IndexItem, TrendPoint, funnel_points
from surveyapp.charts._funnel import funnel_plot

__all__ = [
    "FunnelLimitLines",
    "FunnelPoint",
    "IndexItem",
    "TrendPoint",
    "funnel_plot",
    "funnel_points",
    "index_bar_chart",
]
