"""Input rules shared by the domain: text limits and normalisation, codes, ids and tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata

from sessions.contributions.models import ContributionKind
from sessions.core.errors import UnknownJoinCode, ValidationFailed

MAX_TEXT = 1000
MAX_TITLE = 200
MAX_PLACE = 200
MAX_INTRO = 4000
MAX_GROUP_NAME = 60
MAX_DISPLAY_NAME = 60
MAX_GROUPS = 200
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


# Ids and sequence numbers are SQL INTEGER columns: a larger number names no row, and binding it would
# fail in the driver (SQLite OverflowError, PostgreSQL "integer out of range") instead of "not found".
MAX_ID = 2**31 - 1
JOIN_CODE_RE = re.compile(r"^[0-9]{8}$")
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh bearer token and the hash that is stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def clean_text(value: object, field: str, *, max_len: int, required: bool = True, multiline: bool = True) -> str:
    """Normalise user text (NFC, no control characters, trimmed) and enforce length."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(field, "not_text")
    text = unicodedata.normalize("NFC", value).translate(_CONTROL).replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    text = text.strip()
    if required and not text:
        raise ValidationFailed(field, "empty")
    if len(text) > max_len:
        raise ValidationFailed(field, "too_long", max=max_len, length=len(text))
    return text


def normalize_join_code(code: object) -> str:
    """Accept ``1234 5678``, ``1234-5678`` and the like; return the eight digits."""
    if not isinstance(code, str):
        raise UnknownJoinCode("not a code")
    digits = re.sub(r"[\s\-.]", "", code)
    if not JOIN_CODE_RE.match(digits):
        raise UnknownJoinCode("malformed code")
    return digits


def parse_kind(value: object) -> ContributionKind:
    try:
        return ContributionKind(value)
    except ValueError:
        raise ValidationFailed("kind", "unknown_kind") from None


def parse_date(value: object) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValidationFailed("date", "bad_date")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed("date", "bad_date") from None


def is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def as_id(value: object) -> object:
    """A form's digits or JSON's ``7.0`` as the integer they name; anything else unchanged."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_id(value: object, field: str) -> int:
    """A row id from a form's digits, JSON's ``7`` or ``7.0``; anything else is ``not_a_number``."""
    value = as_id(value)
    if not is_id(value):
        raise ValidationFailed(field, "not_a_number")
    return value  # type: ignore[return-value]
