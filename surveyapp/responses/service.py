"""Recording a response: the one use case every channel (kiosk form, JSON API, import) goes through."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select, true, update
from sqlalchemy.dialects import postgresql, sqlite

from surveyapp import languages
from surveyapp.db import db, utcnow
from surveyapp.devices.models import Device
from surveyapp.integrity.rules import CLOCK_SKEW, FlagRules, Placement, Sample, place, status_for
from surveyapp.integrity.service import apply, assess, neighbour_parameters, neighbours_statement
from surveyapp.organisation.models import Counter, Field
from surveyapp.questionnaires.codec import AnswerError, AnswerValue, encode
from surveyapp.questionnaires.models import QuestionnaireVersion, VersionRef
from surveyapp.responses.models import CHANNELS, Response

CASE_CODE = re.compile(r"^[A-Za-z0-9./_-]{1,64}$")
#: Control characters other than tab and line breaks, and lone surrogates: no text a citizen types has them,
#: PostgreSQL refuses NUL and UTF-8 cannot encode a surrogate.
NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class SubmissionError(ValueError):
    """A response cannot be stored as given. ``where`` names the offending part (a question code, ``counter``,
    ``language``, ...); the message is a sentence for the person or program that sent it."""

    def __init__(self, where: str | None, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class ConflictError(SubmissionError):
    """The response id is already stored with different content."""


class RetiredDeviceError(SubmissionError):
    """The device that sent the response was retired (perhaps by another process a moment ago)."""


@dataclass(frozen=True)
class Draft:
    """A response as received, before it is checked and stored."""

    uuid: uuidlib.UUID
    counter: Counter
    version: QuestionnaireVersion | VersionRef
    answers: dict[str, AnswerValue]
    language: str
    started_at: dt.datetime
    submitted_at: dt.datetime
    comment: str | None = None
    field: Field | None = None
    channel: str = "kiosk"
    case_code: str | None = None
    #: The enrolled tablet that sent it, if any.
    device: Device | None = None
    #: Sent unfinished by a kiosk that reset (required questions may be unanswered).
    partial: bool = False
    #: The field people never see was filled (not stored: it only raises a flag).
    honeypot: bool = False
    #: Codes of the questions presented to this citizen (a short form shows some of them); ``None``: all the
    #: version's questions. An answer to a question not asked is refused; a required one not asked may be empty.
    asked: frozenset[str] | None = None
    #: ``started_at`` and ``submitted_at`` were read from the client's clock (a kiosk tablet, a browser), which
    #: may be wrong: implausible times are replaced by the server's receipt and flagged ``device_clock``
    #: (:func:`surveyapp.integrity.rules.place`) instead of being refused. ``False`` for times a program or a
    #: person gives on purpose (imports, paper forms keyed in), which are taken as they are.
    device_time: bool = False
    #: What the device's clock read when it sent this request (for times from a device's clock): with it, a
    #: response on a wrong clock is placed by the clock's error rather than at the receipt.
    sent_at: dt.datetime | None = None


@dataclass(frozen=True)
class Recorded:
    response: Response
    #: ``True`` when this id was already stored with the same content (a repeated submission).
    duplicate: bool


def _clean_text(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    if NOT_TEXT.search(value):
        raise SubmissionError("comment", "the comment contains control characters or invalid Unicode")
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > limit:
        raise SubmissionError("comment", f"the comment is longer than {limit} characters")
    return value or None


def prepare(draft: Draft, comment_limit: int, now: dt.datetime | None = None) -> Response:
    """Check a draft against its counter and questionnaire; return the unsaved :class:`Response`.

    Raises :class:`SubmissionError` naming what is wrong.
    """
    return _prepare(draft, comment_limit, now or utcnow(), None)[0]


def _asked_closed(draft: Draft) -> int | None:
    """The number of closed questions asked (``None`` when every question was); checks the codes."""
    if draft.asked is None:
        return None
    questionnaire = draft.version.definition
    known = {q.code for q in questionnaire.questions}
    unknown = sorted(draft.asked - known)
    if unknown:
        named = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise SubmissionError("asked", f"unknown question(s) among those asked: {named}")
    if not draft.asked:
        raise SubmissionError("asked", "no question was asked")
    return sum(1 for slot in questionnaire.slots if slot.question.code in draft.asked)


def _prepare(
    draft: Draft, comment_limit: int, now: dt.datetime, rules: FlagRules | None
) -> tuple[Response, Placement | None]:
    """:func:`prepare`, and where the device's clock placed the response (``None`` unless ``device_time``)."""
    counter = draft.counter
    if not counter.in_service(now.date()):
        raise SubmissionError("counter", f"counter {counter.code} is no longer in service")
    questionnaire = draft.version.definition
    if draft.version.instrument_code != counter.instrument_code:
        raise SubmissionError(
            "questionnaire", f"counter {counter.code} does not use questionnaire {draft.version.label}"
        )
    if draft.language not in questionnaire.languages and languages.language(draft.language) is None:
        raise SubmissionError("language", f"the questionnaire is not available in '{draft.language}'")
    if draft.channel not in CHANNELS:
        raise SubmissionError("channel", f"unknown channel '{draft.channel}'")
    for name in ("started_at", "submitted_at"):
        value = getattr(draft, name)
        if value.tzinfo is None:
            raise SubmissionError(name, "the time must say its time zone")
        # A time ahead of the server's is refused from a channel that keeps its own time (an import); from a
        # device's clock it is placed at the receipt and flagged (see place()).
        if value > now + CLOCK_SKEW and not draft.device_time:
            raise SubmissionError(name, "the time is in the future")
    placement = None
    if draft.device_time:
        since = getattr(draft.version, "loaded_at", None)
        placement = place(draft.started_at, draft.submitted_at, now, since, rules or FlagRules(), draft.sent_at)
    if (placement is None or placement.finding is None) and draft.started_at > draft.submitted_at:
        raise SubmissionError("started_at", "the questionnaire was submitted before it was started")
    if draft.case_code is not None and not CASE_CODE.match(draft.case_code):
        raise SubmissionError("case_code", "a case-file code has letters, digits and . / _ - only")
    comment = _clean_text(draft.comment, comment_limit)
    text_question = questionnaire.comment_question
    if comment and text_question is None:
        raise SubmissionError("comment", "this questionnaire takes no comment")
    questions_asked = _asked_closed(draft)
    if draft.device is not None and draft.device.counter_id != counter.id:
        raise SubmissionError("counter", f"the device is not enrolled at counter {counter.code}")
    try:
        answers = encode(questionnaire, draft.answers, partial=draft.partial, asked=draft.asked)
    except AnswerError as exc:
        raise SubmissionError(exc.question or "answers", exc.message) from exc
    if comment and draft.asked is not None and text_question.code not in draft.asked:
        raise SubmissionError("comment", "the comment question was not asked")
    if draft.partial and not any(answers) and not comment:
        raise SubmissionError("answers", "a partial response needs at least one answer")
    field_id = draft.field.id if draft.field else counter.field_id
    response = Response(
        uuid=draft.uuid,
        questionnaire_version_id=draft.version.id,
        counter_id=counter.id,
        agency_id=counter.agency_id,
        area_id=counter.agency.area_id,
        field_id=field_id,
        language=draft.language,
        channel=draft.channel,
        device_id=draft.device.id if draft.device else None,
        partial=draft.partial,
        started_at=placement.started_at if placement else draft.started_at,
        submitted_at=placement.submitted_at if placement else draft.submitted_at,
        device_started_at=placement.device_started_at if placement else None,
        device_submitted_at=placement.device_submitted_at if placement else None,
        received_at=now,
        answers=answers,
        comment=comment,
        case_code=draft.case_code,
        status="ok",
        questions_asked=questions_asked,
    )
    response.content_digest = content_digest(_content(response, DIGEST_COLUMNS))
    return response, placement


#: The columns that make up what the citizen gave; equal digests over them mean the same response. The moment
#: of sending is not among them: the browser kiosk stamps it on the server, so a double tap that straddles a
#: second is the same response, not a conflict.
DIGEST_COLUMNS = (
    "uuid",
    "questionnaire_version_id",
    "counter_id",
    "field_id",
    "language",
    "channel",
    "device_id",
    "partial",
    "started_at",
    "answers",
    "comment",
    "case_code",
)
#: The digest's columns for responses stored before the moment of sending was left out of it.
LEGACY_DIGEST_COLUMNS = (*DIGEST_COLUMNS[:8], "submitted_at", *DIGEST_COLUMNS[8:])


def content_digest(values: Mapping[str, Any]) -> str:
    """SHA-256 over a response's content (:data:`DIGEST_COLUMNS`): two submissions with the same id and digest
    are the same response; the same id with another digest is a conflict."""
    content = {}
    for name in DIGEST_COLUMNS:
        value = values[name]
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat(timespec="seconds")
        elif isinstance(value, bytes):
            value = value.hex()
        elif isinstance(value, uuidlib.UUID):
            value = str(value)
        content[name] = value
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _content(response: Response, columns: tuple[str, ...]) -> dict[str, Any]:
    """A response's content for its digest: the times its device gave, not those it was placed at (a queue
    sent again after a minute is the same response, though a wrong clock places it at each receipt)."""
    content = {name: getattr(response, name) for name in columns}
    for name in ("started_at", "submitted_at"):
        own = getattr(response, "device_" + name)
        if name in content and own is not None:
            content[name] = own
    return content


def _existing(response: Response) -> Recorded | None:
    stored = db.session.scalar(select(Response).where(Response.uuid == response.uuid))
    if stored is None:
        return None
    legacy = content_digest(_content(response, LEGACY_DIGEST_COLUMNS))
    if stored.content_digest not in (response.content_digest, legacy):
        raise ConflictError("uuid", f"response {response.uuid} was already stored with different answers")
    return Recorded(stored, duplicate=True)


#: Every stored column but the generated key, in table order.
_INSERTED = tuple(column.key for column in Response.__table__.columns if column.key != "id")


def _insert_new(response: Response, rules: FlagRules | None = None) -> tuple[int, list[Sample] | None] | None:
    """Insert ``response`` unless its id is already stored: the new row's key, or ``None`` for a repeat.

    One statement (``INSERT ... ON CONFLICT (uuid) DO NOTHING RETURNING id``, on PostgreSQL and on SQLite 3.35
    and newer) both stores a new response and detects a repeated one, without a read before the write and
    without an error to recover from when two identical submissions race. For a response of a device, the same
    statement returns whether the device is retired (:class:`RetiredDeviceError`; the caller rolls back): the
    device may have been read from a process's cache, and a retired token must stop at once.

    With ``rules`` (PostgreSQL only), the same statement also reads the neighbours the integrity rules look at
    (:func:`surveyapp.integrity.service.neighbours`), as they were before the insert: the key comes with them.
    """
    of_device = response.device_id is not None
    if rules is None:
        values = {name: getattr(response, name) for name in _INSERTED}
    else:
        values = {"v_" + name: getattr(response, name) for name in _INSERTED}
        values.update(neighbour_parameters(response, rules))
    if of_device:
        values["device_to_check"] = response.device_id
    statement = _insert_statement(db.engine.dialect.name, of_device, rules is not None)
    rows = db.session.execute(statement, values).all()
    if not rows:
        return None
    if of_device and rows[0].retired is not None:
        raise RetiredDeviceError("device", "the device was retired")
    if rules is None:
        return rows[0].id, None
    near = [Sample(row.near_id, row.submitted_at, row.answers, row.partial) for row in rows if row.near_id is not None]
    return rows[0].id, near


@cache
def _insert_statement(dialect: str, of_device: bool, with_neighbours: bool):
    """The statement of :func:`_insert_new`, built once: the values come as parameters (one per column of
    :data:`_INSERTED`, prefixed ``v_`` with the neighbours; ``device_to_check``; those of
    :func:`~surveyapp.integrity.service.neighbour_parameters`), so that a submission builds no statement."""
    table = Response.__table__
    returned = [table.c.id]
    if of_device:
        device = Device.__table__
        retired = select(device.c.retired_at).where(device.c.id == bindparam("device_to_check"))
        returned.append(retired.scalar_subquery().label("retired"))
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    if with_neighbours:
        statement = statement.values({name: bindparam("v_" + name) for name in _INSERTED})
    statement = statement.on_conflict_do_nothing(index_elements=["uuid"]).returning(*returned)
    if not with_neighbours:
        return statement
    new = statement.cte("new")
    near = neighbours_statement(of_device, excluding=False).subquery("near")
    return select(
        *new.c,
        near.c.id.label("near_id"),
        near.c.submitted_at,
        near.c.answers,
        near.c.partial,
    ).select_from(new.outerjoin(near, true()))


def _device_retired(device_id: int) -> bool:
    return db.session.scalar(select(Device.retired_at).where(Device.id == device_id)) is not None


def record(draft: Draft, comment_limit: int, rules: FlagRules | None = None) -> Recorded:
    """Store a response exactly once, in its own transaction (this function commits).

    A repeated submission of the same id and content returns the stored row with ``duplicate=True``; the same
    id with different content raises :class:`ConflictError`. The unique index on ``uuid`` decides between two
    submissions racing each other (see :func:`_insert_new`). With ``rules``, the response is checked for signs
    of being produced rather than given, and stored with its flags and the status they make
    (:func:`~surveyapp.integrity.rules.status_for`), in the same transaction (see :mod:`surveyapp.integrity`):
    nobody sees it unflagged. Times from a device's clock (``draft.device_time``) that cannot be true are
    replaced by the receipt (:func:`~surveyapp.integrity.rules.place`). The returned response of a new submission is not
    attached to the session: its columns are what was stored. A response of a device retired meanwhile is not
    stored (:class:`RetiredDeviceError`, after a rollback).
    """
    response, placement = _prepare(draft, comment_limit, utcnow(), rules)
    # On PostgreSQL the insert also reads what the rules look at (one round trip); elsewhere they read first.
    together = rules is not None and db.engine.dialect.name == "postgresql"
    findings = []
    if rules is not None and not together:
        findings = assess(response, draft.counter, rules, honeypot=draft.honeypot, placement=placement)
    response.status = status_for(findings)
    try:
        stored = _insert_new(response, rules if together else None)
        while stored is None:
            db.session.rollback()
            if response.device_id is not None and _device_retired(response.device_id):
                raise RetiredDeviceError("device", "the device was retired")
            found = _existing(response)
            if found is not None:
                return found
            # The row that stood in the way was never committed (its transaction rolled back): store this one.
            stored = _insert_new(response, rules if together else None)
    except RetiredDeviceError:
        db.session.rollback()
        raise
    response.id, near = stored
    if together:
        findings = assess(response, draft.counter, rules, honeypot=draft.honeypot, near=near, placement=placement)
        if findings:  # stored flagged in the same transaction: nobody sees it otherwise
            response.status = status_for(findings)
            db.session.execute(
                update(Response.__table__).where(Response.__table__.c.id == response.id).values(status=response.status)
            )
    if findings:
        apply(response.id, findings)
    db.session.commit()
    return Recorded(response, duplicate=False)
