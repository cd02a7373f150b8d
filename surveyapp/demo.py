"""Demo responses with realistic patterns, for trying the system and for its tests.

Most agencies sit near 85–95% satisfied, a few clearly below the 90% target, some small agencies have only a
handful of responses, and a share of items is skipped (more often the feedback-handling ones, which many
citizens never used). Everything derives from one seed, so a demo database is reproducible.

From :data:`SHORT_FORM_FROM` the kiosks ask the short form of the newest questionnaire version that has one (a
rotation): each citizen answers the criteria drawn for them, the others are stored as not answered, and about
:data:`ORGANISATION_SHARE` of them say they came on behalf of an organisation or business. Counters set to the
full form answer every question of that version.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, insert, select

from surveyapp.auth.service import create_user, find_user
from surveyapp.db import db, utcnow
from surveyapp.devices.service import enrol
from surveyapp.integrity.rules import FlagRules
from surveyapp.integrity.service import flag_new
from surveyapp.organisation.models import Agency, Counter, Field
from surveyapp.periods import LOCAL_ZONE
from surveyapp.questionnaires.codec import AnswerValue, encode
from surveyapp.questionnaires.definition import Question, Questionnaire
from surveyapp.questionnaires.loader import current_version
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion
from surveyapp.responses.models import Response
from surveyapp.responses.service import Draft, content_digest, prepare

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BATCH = 5000
#: The day the demo's kiosks move from the full questionnaire to the short form (the newest version with a
#: rotation, when one is loaded); before it they use the newest version without one.
SHORT_FORM_FROM = dt.date(2026, 10, 1)
#: Share of respondents who say they came on behalf of an organisation or business.
ORGANISATION_SHARE = 0.15

COMMENTS_VI = (
    "Cán bộ hướng dẫn nhiệt tình, dễ hiểu.",
    "Thời gian chờ còn lâu, mong cải thiện.",
    "Cần thêm ghế ngồi ở khu vực chờ.",
    "Thủ tục nhanh gọn, tôi rất hài lòng.",
    "Nên niêm yết phí, lệ phí rõ ràng hơn.",
    "Phải đi lại nhiều lần mới hoàn thiện hồ sơ.",
    "Trang thiết bị hiện đại, trụ sở sạch sẽ.",
    "Mong có hướng dẫn bằng tiếng dân tộc.",
)
COMMENTS_EN = ("Friendly staff, quick service.", "The waiting area was crowded.")


@dataclass(frozen=True)
class DemoSummary:
    responses: int
    counters: int
    first_day: dt.date
    last_day: dt.date


def generate(count: int, seed: int, days: int | None = None, today: dt.date | None = None) -> DemoSummary:
    """Insert ``count`` demo responses spread over the ``days`` before ``today`` (default: since 1 January of
    the previous year, so that the demo spans the reorganisation of 1 July 2025). Each response goes to a
    counter in service on its day: the organisation of the time. Flushes; the caller commits."""
    if count < 0:
        raise ValueError("the number of demo responses cannot be negative")
    rng = np.random.default_rng(seed)
    today = today or utcnow().astimezone(LOCAL_ZONE).date()
    days = days if days is not None else (today - dt.date(today.year - 1, 1, 1)).days
    first_day = today - dt.timedelta(days=days)
    counters = [
        c
        for c in db.session.scalars(select(Counter).order_by(Counter.code))
        if any(c.in_service(day) for day in _era_starts([c], first_day, today))
    ]
    if not counters:
        raise ValueError("there are no counters in service: load the organisation first")
    versions = {code: current_version(code) for code in {c.instrument_code for c in counters}}
    missing = sorted(code for code, version in versions.items() if version is None)
    if missing:
        raise ValueError(f"questionnaire(s) {', '.join(missing)} not loaded: load the surveys first")
    full_versions = {code: _newest_full_version(code) for code in versions}
    split = random.Random(seed)  # noqa: S311  # nosec B311  # demo data: the short form's draws, apart from the answers' stream
    fields = db.session.scalars(select(Field).order_by(Field.id)).all()
    agencies = sorted({c.agency for c in counters}, key=lambda a: a.code)
    levels = _agency_levels(rng, agencies)
    weights = dict(zip((c.id for c in counters), _counter_shares(rng, counters), strict=True))

    starts = _era_starts(counters, first_day, today)
    eras = [(start, end) for start, end in zip(starts, [*starts[1:], today], strict=True) if end > start]
    per_era = rng.multinomial(count, np.array([(end - start).days for start, end in eras]) / days)
    rows: list[dict] = []
    inserted = 0
    in_use: set[int] = set()
    for (start, end), era_count in zip(eras, per_era, strict=True):
        serving = [c for c in counters if c.in_service(start)]
        if not serving:
            continue
        shares = np.array([weights[c.id] for c in serving])
        in_use |= {c.id for c in serving}
        for counter, n in zip(serving, rng.multinomial(int(era_count), shares / shares.sum()), strict=True):
            forms = _Forms(versions[counter.instrument_code], full_versions[counter.instrument_code], split)
            for _ in range(int(n)):
                rows.append(
                    _response(rng, counter, forms, levels[counter.agency_id], fields, start, (end - start).days)
                )
                if len(rows) >= BATCH:
                    inserted += _flush(rows)
    inserted += _flush(rows)
    return DemoSummary(inserted, len(in_use), first_day, today - dt.timedelta(days=1))


def _newest_full_version(instrument: str) -> QuestionnaireVersion | None:
    """The newest stored version of ``instrument`` without a short form, if any."""
    versions = db.session.scalars(
        select(QuestionnaireVersion)
        .join(Instrument)
        .where(Instrument.code == instrument)
        .order_by(QuestionnaireVersion.version.desc())
    )
    return next((v for v in versions if not v.definition.has_rotation), None)


@dataclass(frozen=True)
class _Forms:
    """The versions a counter's kiosk uses: ``current`` (the newest) and ``full``, the newest without a short
    form, used before :data:`SHORT_FORM_FROM`; ``split`` draws the short form's criteria."""

    current: QuestionnaireVersion
    full: QuestionnaireVersion | None
    split: random.Random

    def on(self, day: dt.date) -> QuestionnaireVersion:
        if self.current.definition.has_rotation and self.full is not None and day < SHORT_FORM_FROM:
            return self.full
        return self.current


def _era_starts(counters: list[Counter], first_day: dt.date, today: dt.date) -> list[dt.date]:
    """The days in [first_day, today) on which the set of counters in service may change, and first_day."""
    changes = {first_day}
    for counter in counters:
        for day in (counter.established_on, counter.retired_on):
            if day is not None and first_day < day < today:
                changes.add(day)
    return sorted(changes)


def existing_responses() -> int:
    return db.session.scalar(select(func.count()).select_from(Response)) or 0


def _flush(rows: list[dict]) -> int:
    if rows:
        db.session.execute(insert(Response), rows)
    done = len(rows)
    rows.clear()
    return done


def _agency_levels(rng: np.random.Generator, agencies: list[Agency]) -> dict[int, float]:
    """Each agency's underlying share of satisfied answers: most near 85–95%, about one in six clearly below."""
    levels = {}
    for agency in agencies:
        if rng.random() < 0.17:
            levels[agency.id] = float(rng.uniform(0.66, 0.82))
        else:
            levels[agency.id] = float(rng.uniform(0.85, 0.975))
    return levels


def _counter_shares(rng: np.random.Generator, counters: list[Counter]) -> np.ndarray:
    """Busy provincial and district counters, quiet commune ones, and a few very small ones."""
    base = {"department": 3.0, "district": 4.0, "centre": 3.0, "commune-centre": 1.6, "commune": 0.8}
    raw = np.array([base.get(c.agency.kind, 1.0) * rng.lognormal(0, 0.35) for c in counters])
    small = rng.random(len(counters)) < 0.08
    raw[small] *= 0.04
    return raw / raw.sum()


def _moment(rng: np.random.Generator, counter: Counter, first_day: dt.date, days: int) -> dt.datetime:
    """A local time inside the counter's opening hours (any daytime when it has none), as UTC."""
    for _ in range(50):
        day = first_day + dt.timedelta(days=int(rng.integers(0, days)))
        spans = counter.opening_hours.get(DAY_KEYS[day.weekday()], [])
        if spans:
            start, end = spans[int(rng.integers(0, len(spans)))]
            lo, hi = _minutes(start), _minutes(end)
            minute = int(rng.integers(lo, max(lo + 1, hi - 2)))
            break
        if not counter.opening_hours:
            minute = int(rng.integers(7 * 60, 17 * 60))
            break
    else:
        minute = 9 * 60
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60, int(rng.integers(0, 60))), LOCAL_ZONE)
    return local.astimezone(dt.UTC)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _response(rng, counter: Counter, forms: _Forms, level: float, fields, first_day: dt.date, days: int) -> dict:
    submitted = _moment(rng, counter, first_day, days)
    version = forms.on(submitted.astimezone(LOCAL_ZONE).date())
    questionnaire = version.definition
    seconds = int(rng.integers(35, 300))
    language = "en" if rng.random() < 0.06 and "en" in questionnaire.languages else "vi"
    if forms.full is not None and version.id != forms.full.id:
        # The answers this citizen would give to the full form (the same draws as before the short form),
        # of which the short form records those it asks: missing completely at random, by design.
        answers = dict(_answers(rng, forms.full.definition, level))
        asked = questionnaire.questions if counter.full_form else questionnaire.draw(forms.split)
        answers = {q.code: answers.get(q.code) for q in asked if q.type != "text" and q.code in answers}
        if any(q.role == "respondent" for q in asked):
            respondent = next(q for q in asked if q.role == "respondent")
            answers[respondent.code] = _respondent(forms.split)
        seconds = max(15, round(seconds * len(asked) / len(forms.full.definition.questions)))
    else:
        answers = dict(_answers(rng, questionnaire, level))
        if questionnaire.has_rotation and not counter.full_form:
            asked = {q.code for q in questionnaire.draw(forms.split)}
            answers = {code: value for code, value in answers.items() if code in asked}
    duration = dt.timedelta(seconds=seconds)
    comment = None
    if questionnaire.comment_question is not None and rng.random() < 0.06:
        pool = COMMENTS_EN if language == "en" else COMMENTS_VI
        comment = pool[int(rng.integers(0, len(pool)))]
    field_id = counter.field_id or fields[int(rng.integers(0, len(fields)))].id
    row = {
        "uuid": uuid.UUID(bytes=rng.bytes(16), version=4),
        "questionnaire_version_id": version.id,
        "counter_id": counter.id,
        "agency_id": counter.agency_id,
        "area_id": counter.agency.area_id,
        "field_id": field_id,
        "language": language,
        "channel": "kiosk",
        "device_id": None,
        "partial": False,
        "started_at": submitted - duration,
        "submitted_at": submitted,
        "received_at": submitted,
        "answers": encode(questionnaire, answers),
        "comment": comment,
        "case_code": None,
        "status": "ok",
    }
    row["content_digest"] = content_digest(row)
    return row


def _answers(rng, questionnaire: Questionnaire, level: float) -> Iterator[tuple[str, AnswerValue]]:
    """Answers driven by the agency's level, a respondent's mood and each item's own ease."""
    mood = rng.normal(0, 0.9)
    logit = np.log(level / (1 - level)) + mood
    for question in questionnaire.questions:
        if question.type == "text":
            continue
        skip_rate = 0.15 if question.element == "feedback" else 0.03
        if question.role == "profile":
            skip_rate = 0.3
        if question.skippable and rng.random() < skip_rate:
            yield question.code, None
            continue
        yield question.code, _answer(rng, question, logit)


def _respondent(split: random.Random) -> str | None:
    """Who a citizen came for: themselves, or about :data:`ORGANISATION_SHARE` for an organisation; a few skip."""
    draw = split.random()
    if draw < 0.03:
        return None
    return "organisation" if draw < 0.03 + ORGANISATION_SHARE else "self"


def _answer(rng, question: Question, logit: float) -> AnswerValue:
    p = 1 / (1 + np.exp(-(logit + rng.normal(0, 0.35))))
    if question.type == "scale" and question.role == "case_indicator":
        values = sorted((point.value for point in question.scale.points), reverse=True)
        return values[0] if rng.random() < p else values[min(1 + int(rng.random() < 0.3), len(values) - 1)]
    if question.type == "scale":
        points = question.scale.points
        good = [pt.value for pt in points if pt.satisfied]
        bad = [pt.value for pt in points if not pt.satisfied]
        if rng.random() < p or not bad:
            return good[-1] if len(good) > 1 and rng.random() < 0.45 else good[0]
        weights = np.linspace(1, 3, len(bad))  # neutral is the commonest unsatisfied answer
        return bad[int(rng.choice(len(bad), p=weights / weights.sum()))]
    options = question.options
    if question.role in ("harassment", "informal_payment"):
        rate = (0.05 if question.role == "harassment" else 0.02) * (1.5 - p)
        counted = [o.code for o in options if o.counted]
        others = [o.code for o in options if not o.counted]
        return counted[0] if rng.random() < rate else others[0]
    if question.role == "respondent":
        return "organisation" if rng.random() < ORGANISATION_SHARE else "self"
    if question.type == "single":
        return options[int(rng.integers(0, len(options)))].code
    limit = question.max_choices or len(options)
    k = int(rng.integers(1, min(limit, 2) + 1))
    chosen = rng.choice(len(options), size=k, replace=False)
    return [options[int(j)].code for j in sorted(chosen)]


#: The counter whose kiosk tablet someone uses to press "very satisfied" in bursts (the flags are then visible).
GAMING_COUNTER = "ttpv-yen-chau-dat-dai"


@dataclass(frozen=True)
class GamingSummary:
    counter: str
    responses: int
    flagged: int


def generate_gaming(seed: int, rules: FlagRules, weeks: int = 8, today: dt.date | None = None) -> GamingSummary:
    """An enrolled tablet at :data:`GAMING_COUNTER` that receives citizens' answers (a counter below the
    target) and, once a week, a burst of identical "very satisfied" answers pressed within seconds, some after
    closing time. Every response goes through the same checks and flags as a real submission. Flushes; the
    caller commits."""
    rng = np.random.default_rng(seed + 1)
    today = today or utcnow().astimezone(LOCAL_ZONE).date()
    counter = db.session.scalar(select(Counter).where(Counter.code == GAMING_COUNTER))
    if counter is None or not counter.in_service(today):
        raise ValueError(f"counter {GAMING_COUNTER} is not loaded: load the organisation first")
    version = current_version(counter.instrument_code)
    if version is None:
        raise ValueError(f"questionnaire {counter.instrument_code} not loaded: load the surveys first")
    questionnaire = version.definition
    split = random.Random(seed + 1)  # noqa: S311  # nosec B311  # reproducible demo draws
    device = enrol(counter, "Máy tính bảng quầy Đất đai (demo)", None).device
    very_satisfied = {q.code: _top(q) for q in questionnaire.questions if q.type != "text" and q.role != "profile"}
    moments: list[tuple[dt.datetime, dict, int]] = []
    for week in range(weeks, 0, -1):
        monday = today - dt.timedelta(days=today.weekday() + 7 * week)
        for day in range(5):  # citizens: a few a day, in office hours, around 75% satisfied
            for _ in range(int(rng.integers(1, 4))):
                at = dt.datetime.combine(
                    monday + dt.timedelta(days=day),
                    dt.time(int(rng.choice([7, 8, 9, 10, 14, 15, 16])), int(rng.integers(0, 60))),
                    LOCAL_ZONE,
                )
                answers = dict(_answers(rng, questionnaire, 0.75))
                if questionnaire.has_rotation and not counter.full_form:
                    asked = {q.code for q in questionnaire.draw(split)}
                    answers = {code: value for code, value in answers.items() if code in asked}
                moments.append((at, answers, int(rng.integers(60, 240))))
        burst_at = dt.datetime.combine(monday + dt.timedelta(days=int(rng.integers(0, 5))), dt.time(17, 40), LOCAL_ZONE)
        for i in range(20):  # after closing, one press every 10-20 seconds, each "completed" in seconds
            at = burst_at + dt.timedelta(seconds=int(i * rng.integers(10, 20)))
            moments.append((at, very_satisfied, int(rng.integers(4, 9))))
    for at, answers, seconds in sorted(moments, key=lambda m: m[0]):
        submitted = at.astimezone(dt.UTC)
        draft = Draft(
            uuid=uuid.UUID(bytes=rng.bytes(16), version=4),
            counter=counter,
            version=version,
            answers=answers,
            language="vi",
            started_at=submitted - dt.timedelta(seconds=seconds),
            submitted_at=submitted,
            device=device,
        )
        response = prepare(draft, 2000, now=submitted)
        db.session.add(response)
        db.session.flush()
        flag_new(response, counter, rules)
    flagged = db.session.scalar(
        select(func.count()).select_from(Response).where(Response.device_id == device.id, Response.status != "ok")
    )
    return GamingSummary(counter.code, len(moments), flagged)


def _top(question: Question) -> AnswerValue:
    """The most favourable answer: the top of a scale, "no" to the integrity questions, the first option."""
    if question.type == "scale":
        return question.scale.points[-1].value
    if question.type == "multi":
        return [question.options[0].code]
    plain = [o.code for o in question.options if not o.counted]
    return plain[0] if plain else question.options[0].code


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: str
    scope: str
    password: str


#: One account per role, with documented passwords. They sign in only while the app runs in demo mode.
DEMO_USERS = (
    DemoUser("office@demo.sonla.vn", "Sở Nội vụ (demo)", "reform_office", "province", "demo-so-noi-vu"),
    DemoUser(
        "moc-chau@demo.sonla.vn", "Phường Mộc Châu (demo)", "area_officer", "area:phuong-moc-chau", "demo-moc-chau"
    ),
    DemoUser("tu-phap@demo.sonla.vn", "Sở Tư pháp (demo)", "agency_manager", "agency:so-tu-phap", "demo-tu-phap"),
    DemoUser(
        "quay@demo.sonla.vn",
        "Tổ một cửa Sở Tư pháp (demo)",
        "counter_supervisor",
        "agency:so-tu-phap",
        "demo-quay-tu-phap",
    ),
    DemoUser(
        "viewer@demo.sonla.vn",
        "Người xem phường Mộc Châu (demo)",
        "viewer",
        "area:phuong-moc-chau",
        "demo-xem-moc-chau",
    ),
)


def create_demo_users() -> list[DemoUser]:
    """Create the demo accounts that do not exist yet; return those created. Flushes; the caller commits."""
    created = []
    for demo_user in DEMO_USERS:
        if find_user(demo_user.email) is None:
            create_user(
                demo_user.email,
                demo_user.name,
                demo_user.role,
                demo_user.scope,
                demo_user.password,
                actor=None,
                actor_label="cli",
                demo=True,
            )
            created.append(demo_user)
    return created
