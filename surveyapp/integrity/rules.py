"""The flag rules, as pure functions of one response and its source's recent responses.

A *source* is what produced a response: an enrolled device, or — for the browser kiosk and the phone page,
which carry no device — a counter and channel. Every threshold comes from :class:`FlagRules`, built from the
configuration (``FLAG_*`` settings), so that the reform office can tune them without a code change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from surveyapp.periods import LOCAL_ZONE

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class FlagRules:
    #: ``burst_count`` responses or more from one source within ``burst_seconds``.
    burst_count: int = 5
    burst_seconds: int = 120
    #: ``repeat_count`` identical answer patterns or more from one source within ``repeat_seconds``; only for
    #: patterns with at least ``repeat_min_answers`` answered questions (one-tap ratings repeat naturally).
    repeat_count: int = 3
    repeat_seconds: int = 900
    repeat_min_answers: int = 5
    #: Completed in less than ``seconds_per_answer`` per answered question.
    seconds_per_answer: float = 1.0
    #: Submitted more than ``hours_grace_minutes`` before opening or after closing (counters with hours only).
    hours_grace_minutes: int = 30
    #: At most this many recent responses of the source are read per submission.
    scan_limit: int = 60

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FlagRules:
        return cls(
            burst_count=int(config["FLAG_BURST_COUNT"]),
            burst_seconds=int(config["FLAG_BURST_SECONDS"]),
            repeat_count=int(config["FLAG_REPEAT_COUNT"]),
            repeat_seconds=int(config["FLAG_REPEAT_SECONDS"]),
            repeat_min_answers=int(config["FLAG_REPEAT_MIN_ANSWERS"]),
            seconds_per_answer=float(config["FLAG_SECONDS_PER_ANSWER"]),
            hours_grace_minutes=int(config["FLAG_HOURS_GRACE_MINUTES"]),
            scan_limit=int(config["FLAG_SCAN_LIMIT"]),
        )

    @property
    def lookback(self) -> dt.timedelta:
        """How far before a response its neighbours are read."""
        return dt.timedelta(seconds=max(self.burst_seconds, self.repeat_seconds))

    @property
    def lookahead(self) -> dt.timedelta:
        """How far after it (responses queued offline arrive late, and out of order with other sources)."""
        return dt.timedelta(seconds=self.burst_seconds)


@dataclass(frozen=True)
class Sample:
    """What the rules look at in one response."""

    id: int | None
    submitted_at: dt.datetime
    answers: bytes
    partial: bool = False


@dataclass(frozen=True)
class Finding:
    reason: str
    detail: str
    #: Earlier responses of the same source that the finding also concerns (flagged with it).
    others: tuple[int, ...] = ()


def answered(answers: bytes) -> int:
    """Answered closed questions in an encoded answer string (a byte is 0 when skipped; masks count once)."""
    return sum(1 for byte in answers if byte)


def burst(new: Sample, neighbours: Sequence[Sample], rules: FlagRules) -> Finding | None:
    """``burst_count`` or more responses (this one included) inside some window of ``burst_seconds`` that
    contains this one."""
    width = dt.timedelta(seconds=rules.burst_seconds)
    near = sorted(
        (n for n in neighbours if abs(n.submitted_at - new.submitted_at) <= width), key=lambda n: n.submitted_at
    )
    times = sorted([new.submitted_at, *(n.submitted_at for n in near)])
    best, start = 0, 0
    for end, instant in enumerate(times):
        while instant - times[start] > width:
            start += 1
        if times[start] <= new.submitted_at <= instant:
            best = max(best, end - start + 1)
    if best < rules.burst_count:
        return None
    return Finding(
        "burst",
        f"{best} responses within {rules.burst_seconds} s",
        tuple(n.id for n in near if n.id is not None),
    )


def repeated(new: Sample, neighbours: Sequence[Sample], rules: FlagRules) -> Finding | None:
    """The same answers ``repeat_count`` times or more within ``repeat_seconds``."""
    if new.partial or answered(new.answers) < rules.repeat_min_answers:
        return None
    width = dt.timedelta(seconds=rules.repeat_seconds)
    same = [
        n
        for n in neighbours
        if not n.partial and n.answers == new.answers and abs(n.submitted_at - new.submitted_at) <= width
    ]
    if len(same) + 1 < rules.repeat_count:
        return None
    return Finding(
        "repeated",
        f"the same answers {len(same) + 1} times within {rules.repeat_seconds // 60} min",
        tuple(n.id for n in same if n.id is not None),
    )


def too_fast(started_at: dt.datetime, submitted_at: dt.datetime, answers: bytes, rules: FlagRules) -> Finding | None:
    """Completed faster than reading the answered questions allows."""
    needed = rules.seconds_per_answer * answered(answers)
    took = (submitted_at - started_at).total_seconds()
    if took >= needed:
        return None
    return Finding("too_fast", f"completed in {took:.0f} s, at least {needed:.0f} s expected")


def outside_hours(submitted_at: dt.datetime, hours: Mapping[str, Sequence[Sequence[str]]], rules: FlagRules):
    """Submitted outside the counter's opening hours (with a grace period); counters without hours never are."""
    if not hours:
        return None
    local = submitted_at.astimezone(LOCAL_ZONE)
    minute = local.hour * 60 + local.minute
    grace = rules.hours_grace_minutes
    for start, end in hours.get(DAY_KEYS[local.weekday()], []):
        if _minutes(start) - grace <= minute <= _minutes(end) + grace:
            return None
    return Finding("outside_hours", f"submitted at {local:%a %H:%M} local time, the counter was closed")


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)
