"""The flag rules, as pure functions of one response and its source's recent responses.

A *source* is what produced a response: an enrolled device, or — for the browser kiosk and the phone page,
which carry no device — a counter and channel. Every threshold comes from :class:`FlagRules`, built from the
configuration (``FLAG_*`` settings), so that the reform office can tune them without a code change.

Not every reason weighs the same. A quick response or a wrong device clock alone says nothing against the
answers themselves: people who know what they think tap fast, and a tablet whose battery ran flat forgets the
date. Such a response is ``noted`` — it counts in scores and waits for the reform office's review. Only when a
signal of production agrees (a burst from the same source, the same answers repeated, a closed counter, the
honeypot) is it ``flagged``: left out of scores until reviewed. :func:`status_for` is that rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from surveyapp.periods import LOCAL_ZONE

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Reasons that alone leave a response counted (status ``noted``); any other reason excludes it until review.
NOTED_ONLY = frozenset({"too_fast", "device_clock"})
#: A client clock may run ahead of the server's by this much before its time counts as in the future.
CLOCK_SKEW = dt.timedelta(minutes=5)
#: The longest a questionnaire can have taken; a longer one, on a wrong clock, gets no duration.
LONGEST_ANSWERING = dt.timedelta(hours=12)


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
    #: A device time more than this many days before the server received it is implausible.
    clock_max_age_days: int = 30

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
            clock_max_age_days=int(config["DEVICE_CLOCK_MAX_AGE_DAYS"]),
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


def too_fast(
    started_at: dt.datetime, submitted_at: dt.datetime, answers: bytes, rules: FlagRules, asked: int | None = None
) -> Finding | None:
    """Completed faster than reading the answered questions allows.

    Expected time = ``seconds_per_answer`` × the closed questions answered. Only questions shown to the
    citizen can be answered (``asked`` of them on a short form, for the detail), so the threshold scales with
    the form actually shown: six questions of a short form need 6 s, not the full form's 25.
    """
    count = answered(answers)
    needed = rules.seconds_per_answer * count
    took = (submitted_at - started_at).total_seconds()
    if took >= needed:
        return None
    shown = f" of {asked} shown" if asked is not None else ""
    return Finding("too_fast", f"completed in {took:.0f} s, at least {needed:.0f} s expected ({count}{shown} answered)")


def status_for(findings: Sequence[Finding]) -> str:
    """What a response's findings make of it: ``ok`` with none, ``noted`` (counted, to review) when every
    reason is one of :data:`NOTED_ONLY`, ``flagged`` (left out until reviewed) when any other agrees."""
    if not findings:
        return "ok"
    return "noted" if all(f.reason in NOTED_ONLY for f in findings) else "flagged"


def clock_problem(
    moment: dt.datetime, received_at: dt.datetime, version_since: dt.datetime | None, rules: FlagRules
) -> str | None:
    """Why a time read from a device's clock cannot be true, or ``None`` when it can.

    Implausible: after the server's receipt by more than :data:`CLOCK_SKEW` (in the future); before the
    questionnaire version existed (``version_since``, when it was loaded; no device can have shown it earlier,
    less the same skew); or more than ``clock_max_age_days`` before receipt (a tablet's clock reset to 1970 or
    to its firmware's date after a flat battery).
    """
    if moment > received_at + CLOCK_SKEW:
        return "in the future"
    if version_since is not None and moment < version_since - CLOCK_SKEW:
        return "before its questionnaire version existed"
    if moment < received_at - dt.timedelta(days=rules.clock_max_age_days):
        return f"more than {rules.clock_max_age_days} days before it was received"
    return None


@dataclass(frozen=True)
class Placement:
    """Where a response goes in time, given what its device's clock said (see :func:`place`)."""

    started_at: dt.datetime
    submitted_at: dt.datetime
    #: The device's own times when they were replaced, else ``None``.
    device_started_at: dt.datetime | None = None
    device_submitted_at: dt.datetime | None = None
    finding: Finding | None = None
    #: Whether ``submitted_at - started_at`` is how long the citizen took (unknown when the clock jumped).
    duration_known: bool = True


def place(
    started_at: dt.datetime,
    submitted_at: dt.datetime,
    received_at: dt.datetime,
    version_since: dt.datetime | None,
    rules: FlagRules,
    sent_at: dt.datetime | None = None,
) -> Placement:
    """Place a response whose times come from a device's clock.

    Plausible times (:func:`clock_problem`) stay as they are. Otherwise the response is flagged
    ``device_clock``, the device's times are kept beside it, and it is placed:

    * when the device also said what its clock read as it sent this very request (``sent_at``), by the
      clock's error: each time + (receipt − ``sent_at``), if that gives plausible times no later than the
      receipt (an answer queued offline on a reset clock keeps its true moment and its spacing from the
      others, so a queue sent together is not a burst);
    * otherwise at the server's receipt (and so in the receipt's period): ``submitted_at`` = receipt; if the
      start is on the same wrong clock (also implausible, no later than the sending and at most
      :data:`LONGEST_ANSWERING` before it), the duration is kept: ``started_at`` = receipt − (device sent −
      device started);
    * started at an implausible time but sent at a plausible one (the clock was set right meanwhile):
      ``submitted_at`` stays, the duration is unknown;
    * when the duration is unknown, ``started_at`` = ``submitted_at`` and the too-fast rule is not applied.
    """
    start_problem = clock_problem(started_at, received_at, version_since, rules)
    end_problem = clock_problem(submitted_at, received_at, version_since, rules)
    if start_problem is None and end_problem is None:
        return Placement(started_at, submitted_at)
    took = submitted_at - started_at
    outcome = "placed at the server's receipt"
    corrected = _corrected(started_at, submitted_at, received_at, version_since, rules, sent_at)
    if end_problem is not None and corrected is not None:
        (placed_start, placed_end), known = corrected, True
        outcome = f"placed by the clock's error at sending ({_span(received_at - sent_at)})"
    else:
        if end_problem is None:
            placed_end, known = submitted_at, False
            outcome = "kept when it was sent, duration unknown"
        else:
            placed_end = received_at
            known = start_problem is not None and dt.timedelta(0) <= took <= LONGEST_ANSWERING
        placed_start = placed_end - took if known else placed_end
    which, problem = ("sent", end_problem) if end_problem else ("started", start_problem)
    shown = (submitted_at if end_problem else started_at).astimezone(LOCAL_ZONE)
    detail = f"the device's clock said {which} {shown:%Y-%m-%d %H:%M}, {problem}; {outcome}"
    return Placement(
        started_at=placed_start,
        submitted_at=placed_end,
        device_started_at=started_at,
        device_submitted_at=submitted_at,
        finding=Finding("device_clock", detail[:200]),
        duration_known=known,
    )


def _corrected(
    started_at: dt.datetime,
    submitted_at: dt.datetime,
    received_at: dt.datetime,
    version_since: dt.datetime | None,
    rules: FlagRules,
    sent_at: dt.datetime | None,
) -> tuple[dt.datetime, dt.datetime] | None:
    """The times corrected by the clock's error at sending, when ``sent_at`` is given and they are plausible."""
    if sent_at is None or not dt.timedelta(0) <= submitted_at - started_at <= LONGEST_ANSWERING:
        return None
    error = received_at - sent_at
    start, end = started_at + error, submitted_at + error
    if sent_at < submitted_at:  # sent before it was given: not the same clock
        return None
    if clock_problem(start, received_at, version_since, rules) or clock_problem(end, received_at, version_since, rules):
        return None
    return start, end


def _span(delta: dt.timedelta) -> str:
    """A clock's error in words: ``56 years``, ``3 days``, ``-2 h``."""
    seconds = delta.total_seconds()
    size = abs(seconds)
    for unit, length in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if size >= length:
            return f"{seconds / length:+.0f} {unit}"
    return f"{seconds:+.0f} s"


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
