"""Flagging responses as they are recorded, and the reform office's review of flags.

Flagging reads at most :attr:`FlagRules.scan_limit` recent responses of the same source through an index
(``device_id, submitted_at`` or ``counter_id, submitted_at``), so its cost does not grow with history. A finding
flags the new response and the earlier ones it concerns (the rest of a burst, the other copies of a pattern).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy import Integer, bindparam, select, update

from surveyapp.audit import service as audit
from surveyapp.db import db, utcnow
from surveyapp.integrity import rules as r
from surveyapp.integrity.models import ResponseFlag
from surveyapp.organisation.models import Counter
from surveyapp.responses.models import COUNTED, Response

#: What a review decides: the flags were right (the response is excluded) or wrong (it counts again), with the
#: audit action that records it.
OUTCOMES = {"confirm": ("excluded", "flag_confirmed"), "clear": ("ok", "flag_cleared")}


class ReviewError(ValueError):
    pass


@cache
def neighbours_statement(of_device: bool, excluding: bool):
    """The query of :func:`neighbours`, built once per kind of source; its values come as parameters."""
    if of_device:
        source = (Response.device_id == bindparam("device_id"),)
    else:
        source = (
            Response.counter_id == bindparam("counter_id"),
            Response.channel == bindparam("channel"),
            Response.device_id.is_(None),
        )
    return (
        select(Response.id, Response.submitted_at, Response.answers, Response.partial)
        .where(
            *source,
            Response.submitted_at >= bindparam("since", type_=Response.submitted_at.type),
            Response.submitted_at <= bindparam("until", type_=Response.submitted_at.type),
            *((Response.id != bindparam("response_id"),) if excluding else ()),
        )
        .order_by(Response.submitted_at.desc())
        .limit(bindparam("scan_limit", type_=Integer))
    )


def neighbour_parameters(response: Response, rules: r.FlagRules) -> dict:
    """The parameters of :func:`neighbours_statement` for ``response``."""
    return {
        "device_id": response.device_id,
        "counter_id": response.counter_id,
        "channel": response.channel,
        "since": response.submitted_at - rules.lookback,
        "until": response.submitted_at + rules.lookahead,
        "response_id": response.id,
        "scan_limit": rules.scan_limit,
    }


def neighbours(response: Response, rules: r.FlagRules) -> list[r.Sample]:
    """The source's responses submitted shortly before or after ``response`` (bounded, indexed).

    ``response`` may be stored already (it is left out) or not yet (its ``id`` is ``None``).
    """
    statement = neighbours_statement(response.device_id is not None, response.id is not None)
    rows = db.session.execute(statement, neighbour_parameters(response, rules))
    return [r.Sample(row.id, row.submitted_at, row.answers, row.partial) for row in rows]


def assess(
    response: Response,
    counter: Counter,
    rules: r.FlagRules,
    honeypot: bool = False,
    near: list[r.Sample] | None = None,
    placement: r.Placement | None = None,
) -> list[r.Finding]:
    """Apply every rule to a response, stored or about to be; reads (unless given its ``near`` neighbours, see
    :func:`neighbours`), writes nothing. ``placement`` is what :func:`~surveyapp.integrity.rules.place` made of
    the device's clock: its ``device_clock`` finding joins the others, and without a known duration the
    too-fast rule is not applied. The rules see the response's placed times.

    Returns the findings (empty when the response looks genuine); :func:`~surveyapp.integrity.rules.status_for`
    says what they make of it.
    """
    new = r.Sample(response.id, response.submitted_at, response.answers, response.partial)
    if near is None:
        near = neighbours(response, rules)
    timed = placement is None or placement.duration_known
    findings = [
        r.burst(new, near, rules),
        r.repeated(new, near, rules),
        r.too_fast(response.started_at, response.submitted_at, response.answers, rules, response.questions_asked)
        if timed
        else None,
        r.outside_hours(response.submitted_at, counter.opening_hours, rules),
        placement.finding if placement is not None else None,
    ]
    if honeypot:
        findings.append(r.Finding("honeypot", "the hidden field was filled"))
    return [f for f in findings if f is not None]


def apply(response_id: int, findings: list[r.Finding]) -> None:
    """Record the flags of a stored response's findings, and flag the earlier responses they concern.

    The response's own status is the caller's to set (it is stored already flagged).
    """
    now = utcnow()
    for finding in findings:
        db.session.add(
            ResponseFlag(response_id=response_id, reason=finding.reason, detail=finding.detail, flagged_at=now)
        )
        _flag_others(finding, now)


def flag_new(response: Response, counter: Counter, rules: r.FlagRules, honeypot: bool = False) -> list[str]:
    """Assess a just-flushed response and flag it; flushes. Returns the reasons found."""
    found = assess(response, counter, rules, honeypot)
    if not found:
        return []
    apply(response.id, found)
    response.status = r.status_for(found)
    db.session.flush()
    return [f.reason for f in found]


def _flag_others(finding: r.Finding, now) -> None:
    """Flag the earlier responses a finding concerns, unless they already carry a flag for the same reason
    (a burst of ten flags each member once, and a cleared response is not flagged again for it). Findings
    with others are bursts and repetitions, signals of production: a ``noted`` response becomes ``flagged``."""
    if not finding.others:
        return
    already = set(
        db.session.scalars(
            select(ResponseFlag.response_id).where(
                ResponseFlag.response_id.in_(finding.others), ResponseFlag.reason == finding.reason
            )
        )
    )
    fresh = sorted(set(finding.others) - already)  # in id order, so concurrent writers lock rows alike
    if not fresh:
        return
    for response_id in fresh:
        db.session.add(
            ResponseFlag(response_id=response_id, reason=finding.reason, detail=finding.detail, flagged_at=now)
        )
    db.session.execute(
        update(Response)
        .where(Response.id.in_(fresh), Response.status.in_(COUNTED))
        .values(status="flagged")
        .execution_options(synchronize_session=False)
    )


def flags_of(response_ids: Iterable[int]) -> dict[int, list[ResponseFlag]]:
    ids = list(response_ids)
    found: dict[int, list[ResponseFlag]] = {i: [] for i in ids}
    if ids:
        for flag in db.session.scalars(
            select(ResponseFlag).where(ResponseFlag.response_id.in_(ids)).order_by(ResponseFlag.id)
        ):
            found[flag.response_id].append(flag)
    return found


def review(response: Response, decision: str, actor) -> None:
    """Confirm a flagged response as not genuine (``excluded``) or clear it (``ok``). Flushes and audits."""
    if decision not in OUTCOMES:
        raise ReviewError(f"unknown decision '{decision}'")
    if response.status == "ok" and not flags_of([response.id])[response.id]:
        raise ReviewError("this response was never flagged")
    before = response.status
    response.status, action = OUTCOMES[decision]
    db.session.flush()
    audit.record(
        action,
        actor,
        target=f"response:{response.uuid}",
        counter=response.counter.code,
        before=before,
        after=response.status,
        reasons=sorted({f.reason for f in flags_of([response.id])[response.id]}),
    )
