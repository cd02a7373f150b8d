"""Numbers as the interface language writes them, without Flask: shared by pages, charts and PDF reports."""

from __future__ import annotations

from babel.numbers import format_decimal

#: Decimal marks of the interface languages, so that the commonest formatting needs no locale lookup.
DECIMAL_MARK = {"vi": ",", "en": "."}


def format_percent(value: float | None, language: str = "vi", digits: int = 1) -> str:
    """``0.912`` → ``91,2%`` in Vietnamese, ``91.2%`` in English; ``None`` or NaN → an en dash."""
    if value is None or value != value:
        return "–"
    mark = DECIMAL_MARK.get(language)
    if mark is not None and abs(value) < 10:
        return f"{value * 100:.{digits}f}".replace(".", mark) + "%"
    number = format_decimal(value * 100, format=f"0.{'0' * digits}" if digits else "0", locale=language)
    return f"{number}%"


def format_points(value: float | None, language: str = "vi", digits: int = 1) -> str:
    """A difference of shares in percentage points, signed: ``+1,3 điểm %`` / ``+1.3 pp``."""
    if value is None or value != value:
        return "–"
    mark = DECIMAL_MARK.get(language)
    if mark is not None and abs(value) < 10:
        number = f"{abs(value) * 100:.{digits}f}".replace(".", mark)
    else:
        number = format_decimal(abs(value) * 100, format=f"0.{'0' * digits}", locale=language)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{number} {'điểm %' if language == 'vi' else 'pp'}"
