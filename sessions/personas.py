"""Persona library: load and validate persona files (TOML, schema 1).

Pure Python (stdlib only, no Flask). One persona per file, ``personas/<id>.toml``;
the schema is documented in ``personas/README.md``. The same rules are used for
personas a facilitator writes in the UI (``validate_persona_dict`` with
``require_id=False``).

Messages are in English: they are meant for the developer/admin running
``flask --app facilitator personas check``, not for workshop participants.

Text normalisation (applied before lengths are checked; lengths count characters):

* every string is NFC-normalised, ``\\r\\n``/``\\r`` become ``\\n``, and leading and
  trailing whitespace is stripped;
* ``card``: all whitespace runs (including line breaks) become one space;
* ``background``: paragraphs are separated by a blank line; inside a paragraph a
  single line break is a soft wrap and becomes a space, so the stored text has
  paragraphs joined by exactly ``"\\n\\n"``.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "AGE_MAX",
    "AGE_MIN",
    "ALLOWED_FIELDS",
    "BACKGROUND_MAX_LEN",
    "BACKGROUND_MIN_LEN",
    "CARD_MAX_LEN",
    "CARD_MIN_LEN",
    "ID_PATTERN",
    "MAX_FILE_BYTES",
    "NAME_MAX_LEN",
    "NAME_MIN_LEN",
    "OPTIONAL_FIELDS",
    "PersonaFileError",
    "PersonaSpec",
    "QUESTIONS_MAX",
    "QUESTIONS_MIN",
    "QUESTION_MAX_LEN",
    "QUESTION_MIN_LEN",
    "REQUIRED_FIELDS",
    "ROLE_MAX_LEN",
    "ROLE_MIN_LEN",
    "SCHEMA_VERSION",
    "TAGS_MAX",
    "TAG_MAX_LEN",
    "TAG_PATTERN",
    "collect_persona_errors",
    "load_library",
    "parse_persona",
    "validate_persona_dict",
]

# --- Schema limits (keep in sync with personas/README.md) -------------------------

SCHEMA_VERSION = 1

#: Persona id (slug); also the file name stem. Max 32 characters in total.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")

NAME_MIN_LEN, NAME_MAX_LEN = 1, 80
AGE_MIN, AGE_MAX = 16, 80
ROLE_MIN_LEN, ROLE_MAX_LEN = 1, 120
CARD_MIN_LEN, CARD_MAX_LEN = 40, 400
BACKGROUND_MIN_LEN, BACKGROUND_MAX_LEN = 200, 3000
QUESTIONS_MIN, QUESTIONS_MAX = 3, 4
QUESTION_MIN_LEN, QUESTION_MAX_LEN = 10, 200
TAGS_MAX = 8
TAG_MAX_LEN = 24
#: A tag is one short lowercase word; digits and inner hyphens are allowed ("helse-og-omsorg").
TAG_PATTERN = re.compile(r"^[a-zæøå0-9]+(?:-[a-zæøå0-9]+)*$")

#: Files larger than this are rejected before parsing (the longest valid persona is ~5 KB).
MAX_FILE_BYTES = 64 * 1024

REQUIRED_FIELDS: tuple[str, ...] = (
    "schema", "id", "name", "age", "role", "card", "background", "questions",
)
OPTIONAL_FIELDS: tuple[str, ...] = ("tags",)
ALLOWED_FIELDS: frozenset[str] = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # everything but \t and \n
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class PersonaSpec:
    """A validated persona. ``id`` is "" only for UI personas validated with ``require_id=False``."""

    id: str
    name: str
    age: int
    role: str
    card: str
    background: str
    questions: tuple[str, ...]
    tags: tuple[str, ...]
    source: str = ""

    @property
    def background_paragraphs(self) -> list[str]:
        return [p for p in self.background.split("\n\n") if p]

    def to_dict(self) -> dict[str, Any]:
        """The persona as a schema-1 mapping (what a file holds); ``source`` is left out."""
        return {
            "schema": SCHEMA_VERSION,
            "id": self.id,
            "name": self.name,
            "age": self.age,
            "role": self.role,
            "card": self.card,
            "background": self.background,
            "questions": list(self.questions),
            "tags": list(self.tags),
        }


class PersonaFileError(Exception):
    """One problem with one persona file (or UI persona).

    ``str(err)`` reads like ``personas/ine.toml: field 'age': must be a whole number
    between 16 and 80``; ``path`` is "" for data that did not come from a file and
    ``field`` is None for file-level problems (unreadable, invalid TOML, ...).
    """

    def __init__(self, path: str | Path, field: str | None, message: str) -> None:
        self.path = str(path)
        self.field = field
        self.message = message
        super().__init__(self.path, field, message)  # args kept so the error pickles

    def __str__(self) -> str:
        parts = []
        if self.path:
            parts.append(self.path)
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        parts.append(self.message)
        return ": ".join(parts)

    def __repr__(self) -> str:
        return f"PersonaFileError(path={self.path!r}, field={self.field!r}, message={self.message!r})"


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


def _read_toml(path: Path) -> dict[str, Any]:
    label = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PersonaFileError(label, None, f"file is too large ({size} bytes; at most {MAX_FILE_BYTES})")
        raw = path.read_bytes()
    except PersonaFileError:
        raise
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise PersonaFileError(label, None, f"cannot read file: {reason}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PersonaFileError(label, None, f"file is not valid UTF-8 (line {line}); save it as UTF-8") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        lineno = getattr(exc, "lineno", None)  # Python 3.14+; 3.11 puts "(at line N, column M)" in msg
        if lineno is not None and "line" not in msg:
            msg = f"{msg} (at line {lineno}, column {getattr(exc, 'colno', '?')})"
        raise PersonaFileError(label, None, f"invalid TOML: {msg}") from exc


def _collect_file(path: Path) -> tuple[PersonaSpec | None, list[PersonaFileError]]:
    try:
        data = _read_toml(path)
    except PersonaFileError as err:
        return None, [err]
    return collect_persona_errors(data, path, expected_id=path.stem)


def parse_persona(path: Path) -> PersonaSpec:
    """Read and validate one persona file; raise ``PersonaFileError`` on the first problem.

    ``id`` must equal the file name stem (``personas/ine.toml`` → ``id = "ine"``).
    The returned spec has ``source == str(path)``.
    """
    spec, errors = _collect_file(Path(path))
    if errors:
        raise errors[0]
    assert spec is not None
    return spec


def _library_files(directory: Path) -> list[Path]:
    found = []
    for p in directory.rglob("*.toml"):
        rel = p.relative_to(directory)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue  # hidden files/dirs, editor backups, _drafts/
        if p.is_file():
            found.append(p)
    # top-level files first, then sub-folders; alphabetical within a level
    return sorted(found, key=lambda p: (len(p.relative_to(directory).parts), p.relative_to(directory).parts))


def load_library(directory: Path) -> tuple[dict[str, PersonaSpec], list[PersonaFileError]]:
    """Load every ``*.toml`` under ``directory`` (sub-folders included).

    Returns ``(personas by id, errors)``. A bad file never stops the others: every
    problem found in it is reported (so one file may give several errors; use
    ``{e.path for e in errors}`` to count bad files). If two files declare the same
    id, the first one (top-level before sub-folders, then alphabetical) is kept and
    the second is an error. Names starting with "." or "_" are skipped. The dict is
    in load order.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return {}, [PersonaFileError(directory, None, "persona directory not found")]
    personas: dict[str, PersonaSpec] = {}
    errors: list[PersonaFileError] = []
    for path in _library_files(directory):
        spec, errs = _collect_file(path)
        if errs:
            errors.extend(errs)
            continue
        assert spec is not None
        if spec.id in personas:
            first = personas[spec.id].source
            errors.append(PersonaFileError(path, "id", f"duplicate id '{spec.id}' (already used by {first})"))
            continue
        personas[spec.id] = spec
    return personas, errors
