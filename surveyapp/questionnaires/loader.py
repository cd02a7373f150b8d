"""Loading questionnaire definition files from ``surveys/`` into stored versions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select

from surveyapp.datafiles import DefinitionError, read_toml
from surveyapp.db import db
from surveyapp.languages import QUESTIONNAIRE_TRANSLATIONS, read_translation, translation_files
from surveyapp.questionnaires.definition import Questionnaire, build
from surveyapp.questionnaires.models import Instrument, QuestionnaireVersion, VersionRef, is_built
from surveyapp.responses.models import Response

#: Recorded read-aloud files live here, inside the surveys folder.
AUDIO_DIR = "audio"


@dataclass(frozen=True)
class LoadResult:
    source: str
    instrument: str
    version: int
    #: ``created``, ``unchanged`` or ``replaced`` (an unused version whose file changed).
    outcome: str


def definition_files(directory: Path) -> list[Path]:
    """Every ``*.toml`` definition under ``directory``, in a stable order (texts in more languages, under
    ``translations/``, are not definitions)."""
    texts = directory / QUESTIONNAIRE_TRANSLATIONS
    return sorted(p for p in directory.rglob("*.toml") if p.is_file() and not p.is_relative_to(texts))


def read_definition(path: Path, surveys_dir: Path) -> Questionnaire:
    """Read, validate and build one definition file; check that the audio files it names exist."""
    source = _relative(path, surveys_dir)
    questionnaire = build(read_toml(path, source), source)
    missing = [
        (f"questions.{q.code}.audio.{language}", f"file {AUDIO_DIR}/{name} does not exist")
        for q in questionnaire.questions
        for language, name in q.audio.items()
        if not (surveys_dir / AUDIO_DIR / name).is_file()
    ]
    if missing:
        raise DefinitionError(source, missing)
    return questionnaire


def read_all(surveys_dir: Path) -> list[tuple[str, Questionnaire]]:
    """Read every definition in the folder; raise one :class:`DefinitionError` per bad file, first found.

    Two files declaring the same instrument and version are refused. The questionnaire texts in more languages
    (``translations/<instrument>-v<version>.<language>.toml``) are checked against their definitions too.
    """
    read: list[tuple[str, Questionnaire]] = []
    seen: dict[tuple[str, int], str] = {}
    for path in definition_files(surveys_dir):
        questionnaire = read_definition(path, surveys_dir)
        source = _relative(path, surveys_dir)
        key = (questionnaire.instrument, questionnaire.version)
        if key in seen:
            raise DefinitionError(source, [("version", f"{key[0]} v{key[1]} is also defined in {seen[key]}")])
        seen[key] = source
        read.append((source, questionnaire))
    defined = {(q.instrument, q.version): q for _, q in read}
    for path in translation_files(surveys_dir):
        read_translation(
            path, lambda instrument, version: defined.get((instrument, version)), _relative(path, surveys_dir)
        )
    return read


def store(questionnaire: Questionnaire, source: str) -> LoadResult:
    """Store one version. Unchanged definitions are a no-op; a changed definition of a version that responses
    already use is refused. Flushes; the caller commits."""
    instrument = db.session.scalar(select(Instrument).where(Instrument.code == questionnaire.instrument))
    if instrument is None:
        instrument = Instrument(code=questionnaire.instrument, title=dict(questionnaire.title.values))
        db.session.add(instrument)
        db.session.flush()
    existing = db.session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.instrument_id == instrument.id,
            QuestionnaireVersion.version == questionnaire.version,
        )
    )
    newest = max((v.version for v in instrument.versions), default=0)
    if questionnaire.version >= newest:
        instrument.title = dict(questionnaire.title.values)
    if existing is None:
        db.session.add(
            QuestionnaireVersion(
                instrument=instrument,
                version=questionnaire.version,
                document=dict(questionnaire.document),
                digest=questionnaire.digest,
                source=source,
            )
        )
        db.session.flush()
        return LoadResult(source, questionnaire.instrument, questionnaire.version, "created")
    if existing.digest == questionnaire.digest:
        return LoadResult(source, questionnaire.instrument, questionnaire.version, "unchanged")
    used = db.session.scalar(
        select(func.count()).select_from(Response).where(Response.questionnaire_version_id == existing.id)
    )
    if used:
        raise DefinitionError(
            source,
            [
                (
                    "version",
                    f"{questionnaire.instrument} v{questionnaire.version} already has {used} response(s) and "
                    f"cannot change; give the changed questionnaire a new version number",
                )
            ],
        )
    existing.document = dict(questionnaire.document)
    existing.digest = questionnaire.digest
    existing.source = source
    db.session.flush()
    return LoadResult(source, questionnaire.instrument, questionnaire.version, "replaced")


def load_directory(surveys_dir: Path) -> list[LoadResult]:
    """Validate every file first, then store them all (nothing is stored when one file is bad)."""
    return [store(questionnaire, source) for source, questionnaire in read_all(surveys_dir)]


def current_version(instrument_code: str) -> QuestionnaireVersion | None:
    """The newest stored version of an instrument: the one kiosks show."""
    return db.session.scalar(
        select(QuestionnaireVersion)
        .join(Instrument)
        .where(Instrument.code == instrument_code)
        .order_by(QuestionnaireVersion.version.desc())
        .limit(1)
    )


def stored_version(instrument_code: str, version: int) -> QuestionnaireVersion | None:
    """The stored version ``version`` of an instrument; ``None`` if there is none."""
    return db.session.scalar(
        select(QuestionnaireVersion)
        .join(Instrument)
        .where(Instrument.code == instrument_code, QuestionnaireVersion.version == version)
    )


def version_or_404(instrument: str, version: int) -> QuestionnaireVersion:
    """A stored questionnaire version, or a 404 that names it."""
    stored = stored_version(instrument, version)
    if stored is None:
        abort(
            404,
            description=_("There is no questionnaire %(name)s version %(version)d.", name=instrument, version=version),
        )
    return stored


def version_ref(instrument_code: str, version: int) -> VersionRef | None:
    """The stored version ``version`` of an instrument, for recording a response; ``None`` if there is none."""
    row = db.session.execute(
        select(QuestionnaireVersion.id, QuestionnaireVersion.digest, QuestionnaireVersion.loaded_at)
        .join(Instrument)
        .where(Instrument.code == instrument_code, QuestionnaireVersion.version == version)
    ).one_or_none()
    if row is None:
        return None
    if not is_built(row.digest):
        db.session.get(QuestionnaireVersion, row.id).definition  # noqa: B018 - builds and keeps it
    return VersionRef(row.id, instrument_code, version, row.digest, row.loaded_at)


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
