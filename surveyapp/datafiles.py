"""Reading the project's data files (questionnaires, organisation) and reporting what is wrong with them.

TOML files are parsed with the standard library, normalised to NFC and validated against the JSON Schemas in
``surveyapp/schemas/``; every problem names the file, the path inside it and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator


class DefinitionError(ValueError):
    """A data file (questionnaire, organisation, volumes) is invalid.

    ``problems`` lists ``(path, message)`` pairs; ``path`` is a dotted location inside the file such as
    ``questions[3].scale`` (empty for the whole file).
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self.describe())

    def describe(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s)"]
        for path, message in self.problems:
            lines.append(f"  {path or '(file)'}: {message}")
        return "\n".join(lines)


def format_path(parts) -> str:
    """Turn a sequence of keys and indices into ``questions[3].text.vi``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

#: The pattern of every code (instrument, question, unit) in the schemas.
CODE_PATTERN = "^[a-z][a-z0-9_-]{0,62}$"

#: Most problems reported for one file; past that the first ones are what to fix anyway.
MAX_PROBLEMS = 20


@cache
def validator(name: str) -> Draft202012Validator:
    """The validator for ``surveyapp/schemas/<name>.schema.json``."""
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def nfc(value: Any) -> Any:
    """Return ``value`` with every string in it, keys included, normalised to Unicode NFC.

    TOML dates and times become ISO strings, so that the result is plain JSON data.
    """
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc(v) for v in value]
    return value


def read_toml(path: Path, source: str | None = None) -> dict[str, Any]:
    """Parse a UTF-8 TOML file, normalise its text to NFC, or raise :class:`DefinitionError`."""
    source = source or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DefinitionError(source, [("", f"cannot be read: {exc.strerror}")]) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DefinitionError(source, [("", f"is not UTF-8 text (byte {exc.start})")]) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(source, [("", f"is not valid TOML: {exc}")]) from exc
    return nfc(data)


def validate(name: str, data: dict[str, Any], source: str) -> None:
    """Check ``data`` against schema ``name``; raise :class:`DefinitionError` listing every violation."""
    errors = sorted(validator(name).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        problems = [(format_path(e.absolute_path), _message(e)) for e in errors[:MAX_PROBLEMS]]
        raise DefinitionError(source, problems)


def _message(error) -> str:
    """A schema violation in words a person editing the file understands."""
    if error.validator == "additionalProperties" and error.validator_value is False:
        return error.message.replace("Additional properties are not allowed", "unknown key(s) not allowed")
    if error.validator == "pattern" and error.validator_value == CODE_PATTERN:
        return (
            f"{error.instance!r} is not a valid code: use lowercase ASCII letters, digits, '-' and '_', from a letter"
        )
    if error.validator == "pattern":
        return f"{error.instance!r} does not match the expected form {error.validator_value}"
    if error.validator == "oneOf" and error.schema_path and "required" in str(error.validator_value):
        return "a question needs exactly one of 'element' (scored) or 'section' (not scored)"
    return error.message
