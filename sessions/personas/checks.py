"""Checking a persona (from a file or the UI) against the schema, with messages that name the field."""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sessions.personas.schema import (
    _BLANK_LINE,
    _CONTROL_CHARS,
    AGE_MAX,
    AGE_MIN,
    ALLOWED_FIELDS,
    BACKGROUND_MAX_LEN,
    BACKGROUND_MIN_LEN,
    CARD_MAX_LEN,
    CARD_MIN_LEN,
    ID_PATTERN,
    NAME_MAX_LEN,
    NAME_MIN_LEN,
    OPTIONAL_FIELDS,
    QUESTION_MAX_LEN,
    QUESTION_MIN_LEN,
    QUESTIONS_MAX,
    QUESTIONS_MIN,
    REQUIRED_FIELDS,
    ROLE_MAX_LEN,
    ROLE_MIN_LEN,
    SCHEMA_VERSION,
    TAG_MAX_LEN,
    TAG_PATTERN,
    TAGS_MAX,
    PersonaFileError,
    PersonaSpec,
)

# --- helpers ---------------------------------------------------------------------------

def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "table"
    return type(value).__name__


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(text: str) -> str:
    paras = (_one_line(p) for p in _BLANK_LINE.split(text))
    return "\n\n".join(p for p in paras if p)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _Checker:
    """Collects every problem in one persona mapping instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[PersonaFileError] = []

    def fail(self, field: str | None, message: str) -> None:
        self.errors.append(PersonaFileError(self.path, field, message))

    def text(
        self,
        data: Mapping[str, Any],
        field: str,
        lo: int,
        hi: int,
        *,
        shape: str = "line",
    ) -> str | None:
        """A string field; ``shape`` is "line" (no line breaks), "card" or "paragraphs"."""
        if field not in data:
            self.fail(field, "missing (required)")
            return None
        raw = data[field]
        if not isinstance(raw, str):
            self.fail(field, f"must be a string, got {_type_name(raw)} {_short(raw)}")
            return None
        value = _clean(raw)
        if _CONTROL_CHARS.search(value):
            self.fail(field, "contains control characters")
            return None
        if shape == "line":
            if "\n" in value:
                self.fail(field, "must be a single line (no line breaks)")
                return None
            value = _one_line(value)
        elif shape == "card":
            value = _one_line(value)
        else:
            value = _paragraphs(value)
        n = len(value)
        if not lo <= n <= hi:
            what = "empty" if n == 0 else f"{n} characters long"
            self.fail(field, f"must be {lo}–{hi} characters long, is {what}")
            return None
        return value


def collect_persona_errors(
    data: Mapping[str, Any],
    path: str | Path = "",
    *,
    require_id: bool = True,
    require_schema: bool = True,
    expected_id: str | None = None,
) -> tuple[PersonaSpec | None, list[PersonaFileError]]:
    """Validate ``data`` and return ``(spec, [])`` or ``(None, every problem found)``.

    Useful for a UI form that wants to mark all bad fields at once.
    ``expected_id`` (used for files: the file name stem) must equal ``id`` when given.
    """
    path = str(path)
    c = _Checker(path)
    if not isinstance(data, Mapping):
        c.fail(None, f"must be a table of fields, got {_type_name(data)}")
        return None, c.errors

    # schema first: another version may use other fields, so stop if it is wrong.
    if "schema" in data:
        schema = data["schema"]
        if isinstance(schema, bool) or not isinstance(schema, int):
            c.fail("schema", f"must be the integer {SCHEMA_VERSION}, got {_type_name(schema)} {_short(schema)}")
            return None, c.errors
        if schema != SCHEMA_VERSION:
            c.fail("schema", f"unsupported schema version {schema} (this version reads schema {SCHEMA_VERSION})")
            return None, c.errors
    elif require_schema:
        c.fail("schema", f"missing (required; write schema = {SCHEMA_VERSION})")

    for key in sorted(k for k in data if k not in ALLOWED_FIELDS):
        hint = difflib.get_close_matches(str(key), sorted(ALLOWED_FIELDS), n=1, cutoff=0.6)
        extra = f" (did you mean '{hint[0]}'?)" if hint else ""
        allowed = ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS)
        c.fail(str(key), f"unknown field{extra}; allowed fields: {allowed}")

    # id
    pid = ""
    if "id" in data:
        raw_id = data["id"]
        if not isinstance(raw_id, str):
            c.fail("id", f"must be a string, got {_type_name(raw_id)} {_short(raw_id)}")
        elif not ID_PATTERN.match(raw_id):
            c.fail(
                "id",
                f"{_short(raw_id)} is not a valid id: use 2–32 characters, lowercase a–z, "
                "digits, '-' or '_', starting with a letter",
            )
        elif expected_id is not None and raw_id != expected_id:
            c.fail("id", f"'{raw_id}' does not match the file name; rename the file to '{raw_id}.toml' or set id = \"{expected_id}\"")
        else:
            pid = raw_id
    elif require_id:
        c.fail("id", "missing (required)")

    name = c.text(data, "name", NAME_MIN_LEN, NAME_MAX_LEN)

    age: int | None = None
    if "age" not in data:
        c.fail("age", "missing (required)")
    else:
        raw_age = data["age"]
        ok_float = isinstance(raw_age, float) and math.isfinite(raw_age) and raw_age.is_integer()
        if isinstance(raw_age, bool) or not isinstance(raw_age, int):
            got = f"got {_type_name(raw_age)} {_short(raw_age)}"
            if ok_float:
                got += f" (write {int(raw_age)} without decimals)"
            c.fail("age", f"must be a whole number between {AGE_MIN} and {AGE_MAX}, {got}")
        elif not AGE_MIN <= raw_age <= AGE_MAX:
            c.fail("age", f"must be a whole number between {AGE_MIN} and {AGE_MAX}, got {raw_age}")
        else:
            age = raw_age

    role = c.text(data, "role", ROLE_MIN_LEN, ROLE_MAX_LEN)
    card = c.text(data, "card", CARD_MIN_LEN, CARD_MAX_LEN, shape="card")
    background = c.text(data, "background", BACKGROUND_MIN_LEN, BACKGROUND_MAX_LEN, shape="paragraphs")

    questions: tuple[str, ...] | None = None
    if "questions" not in data:
        c.fail("questions", "missing (required)")
    elif not isinstance(data["questions"], (list, tuple)):
        raw_q = data["questions"]
        c.fail("questions", f"must be an array of strings, got {_type_name(raw_q)} {_short(raw_q)}")
    else:
        raw_qs = list(data["questions"])
        good: list[str] = []
        count_ok = QUESTIONS_MIN <= len(raw_qs) <= QUESTIONS_MAX
        if not count_ok:
            c.fail("questions", f"must have {QUESTIONS_MIN}–{QUESTIONS_MAX} questions, has {len(raw_qs)}")
        for i, q in enumerate(raw_qs, start=1):
            if not isinstance(q, str):
                c.fail("questions", f"question {i} must be a string, got {_type_name(q)} {_short(q)}")
                continue
            qv = _clean(q)
            if _CONTROL_CHARS.search(qv):
                c.fail("questions", f"question {i} contains control characters")
                continue
            if "\n" in qv:
                c.fail("questions", f"question {i} must be a single line (no line breaks)")
                continue
            qv = _one_line(qv)
            if not QUESTION_MIN_LEN <= len(qv) <= QUESTION_MAX_LEN:
                c.fail(
                    "questions",
                    f"question {i} must be {QUESTION_MIN_LEN}–{QUESTION_MAX_LEN} characters long, "
                    f"is {len(qv)} characters long",
                )
                continue
            if not qv.endswith("?"):
                c.fail("questions", f"question {i} must end with '?': {_short(qv, 60)}")
                continue
            if qv in good:
                c.fail("questions", f"question {i} repeats question {good.index(qv) + 1}")
                continue
            good.append(qv)
        if count_ok and len(good) == len(raw_qs):
            questions = tuple(good)

    tags: tuple[str, ...] | None = ()
    if "tags" in data:
        raw_tags = data["tags"]
        if not isinstance(raw_tags, (list, tuple)):
            c.fail("tags", f"must be an array of strings, got {_type_name(raw_tags)} {_short(raw_tags)}")
            tags = None
        else:
            seen: list[str] = []
            bad = False
            if len(raw_tags) > TAGS_MAX:
                c.fail("tags", f"must have at most {_plural(TAGS_MAX, 'tag')}, has {len(raw_tags)}")
                bad = True
            for i, t in enumerate(raw_tags, start=1):
                if not isinstance(t, str):
                    c.fail("tags", f"tag {i} must be a string, got {_type_name(t)} {_short(t)}")
                    bad = True
                    continue
                tv = unicodedata.normalize("NFC", t).strip()
                if len(tv) > TAG_MAX_LEN:
                    c.fail("tags", f"tag {i} must be at most {TAG_MAX_LEN} characters long, is {len(tv)}")
                    bad = True
                elif not TAG_PATTERN.match(tv):
                    lower = tv.lower()
                    hint = f" (write '{lower}')" if lower != tv and TAG_PATTERN.match(lower) else ""
                    c.fail(
                        "tags",
                        f"tag {i} {_short(tv)} must be one lowercase word (a–z, æøå, digits, "
                        f"inner '-'){hint}",
                    )
                    bad = True
                elif tv in seen:
                    c.fail("tags", f"tag {i} '{tv}' is listed twice")
                    bad = True
                else:
                    seen.append(tv)
            tags = None if bad else tuple(seen)

    if c.errors:
        return None, c.errors
    assert name is not None and age is not None and role is not None
    assert card is not None and background is not None and questions is not None and tags is not None
    spec = PersonaSpec(
        id=pid,
        name=name,
        age=age,
        role=role,
        card=card,
        background=background,
        questions=questions,
        tags=tags,
        source=path,
    )
    return spec, []


def validate_persona_dict(
    data: Mapping[str, Any],
    path: str | Path = "",
    *,
    require_id: bool = True,
    require_schema: bool = True,
) -> PersonaSpec:
    """Validate one persona mapping; raise the first ``PersonaFileError`` found.

    For a persona written in the UI use ``require_id=False, require_schema=False``:
    then ``id`` and ``schema`` may be absent (the returned spec has ``id == ""``),
    but when present they are still checked.
    """
    spec, errors = collect_persona_errors(
        data, path, require_id=require_id, require_schema=require_schema
    )
    if errors:
        raise errors[0]
    assert spec is not None
    return spec


