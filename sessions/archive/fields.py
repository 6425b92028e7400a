"""Checks shared by the parts of an archive's import (service.py, followup.py): each returns the value or
raises ``ValidationFailed("archive", reason, where=...)`` naming the place in the archive."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sessions.core.errors import ValidationFailed


def bad(where: str, reason: str = "bad_archive", **params: object) -> ValidationFailed:
    return ValidationFailed("archive", reason, where=where, **params)


def parse_time(value: Any, where: str, *, required: bool = False) -> dt.datetime | None:
    """An ISO 8601 time as naive UTC (like the database); ``None`` when missing and not required."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise bad(where)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad(where) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed
