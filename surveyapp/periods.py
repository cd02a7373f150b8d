"""Reporting periods: ``2026`` (a year), ``2026-Q3`` (a quarter), ``2026-07`` (a month), in local time."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Period:
    code: str
    #: First local day of the period and the first local day after it.
    first_day: dt.date
    end_day: dt.date

    @property
    def start(self) -> dt.datetime:
        """Start of the period as a UTC instant."""
        return dt.datetime.combine(self.first_day, dt.time(), LOCAL_ZONE).astimezone(dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """End of the period (exclusive) as a UTC instant."""
        return dt.datetime.combine(self.end_day, dt.time(), LOCAL_ZONE).astimezone(dt.UTC)

    def contains(self, instant: dt.datetime) -> bool:
        return self.start <= instant < self.end


def parse_period(code: str) -> Period:
    """Parse an ISO period; raise ``ValueError`` with a sentence when it is not one."""
    match = _PATTERN.match(code.strip())
    if not match:
        raise ValueError(f"'{code}' is not a period: use a year (2026), a quarter (2026-Q3) or a month (2026-07)")
    year = int(match["year"])
    if match["quarter"]:
        first_month, months = 3 * (int(match["quarter"]) - 1) + 1, 3
    elif match["month"]:
        first_month, months = int(match["month"]), 1
    else:
        first_month, months = 1, 12
    first = dt.date(year, first_month, 1)
    end_month = first_month + months
    end = dt.date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return Period(code.strip(), first, end)
