"""Stored instruments and their immutable versions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.db import UTCDateTime, db, utcnow
from surveyapp.questionnaires.definition import Questionnaire, build

#: Built definitions by digest: versions are immutable, so one build serves every request of the process.
_BUILT: dict[str, Questionnaire] = {}


class Instrument(db.Model):
    """A questionnaire family (``sipas``, ``rating``, ``case``) whose versions change over the years."""

    __tablename__ = "instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    #: Title per language, from the newest loaded version: ``{"vi": ..., "en": ...}``.
    title: Mapped[dict[str, str]] = mapped_column(JSON)

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="instrument", order_by="QuestionnaireVersion.version"
    )

    def __repr__(self) -> str:
        return f"<Instrument {self.code}>"


class QuestionnaireVersion(db.Model):
    """One version of an instrument, exactly as loaded. Never changed once a response refers to it."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("instrument_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    version: Mapped[int]
    #: The validated definition, normalised to NFC, as a JSON document.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the canonical JSON of ``document``; equal digests mean the same definition.
    digest: Mapped[str] = mapped_column(String(64))
    #: File it was loaded from, relative to the surveys folder.
    source: Mapped[str] = mapped_column(String(300))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    instrument: Mapped[Instrument] = relationship(back_populates="versions")

    @property
    def definition(self) -> Questionnaire:
        """The questionnaire objects for this version, built once per process and definition."""
        built = _BUILT.get(self.digest)
        if built is None:
            built = _BUILT[self.digest] = build(self.document, self.source)
        return built

    @property
    def instrument_code(self) -> str:
        return self.instrument.code

    @property
    def label(self) -> str:
        return f"{self.instrument.code} v{self.version}"

    def __repr__(self) -> str:
        return f"<QuestionnaireVersion {self.instrument_id} v{self.version}>"


@dataclass(frozen=True)
class VersionRef:
    """What recording a response needs of a stored version, read as five columns rather than an object.

    Recording goes through :func:`surveyapp.questionnaires.loader.version_ref`, which builds the definition on
    first sight of its digest; a submission then costs one narrow query for its questionnaire.
    """

    id: int
    instrument_code: str
    version: int
    digest: str
    #: When the version was loaded: no device can have shown it before.
    loaded_at: dt.datetime | None = None

    @property
    def definition(self) -> Questionnaire:
        return _BUILT[self.digest]

    @property
    def label(self) -> str:
        return f"{self.instrument_code} v{self.version}"


def is_built(digest: str) -> bool:
    """Whether the definition with this digest is built in this process already."""
    return digest in _BUILT
