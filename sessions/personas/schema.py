"""The persona file schema: limits, the parsed persona (PersonaSpec) and the error a file can have."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


