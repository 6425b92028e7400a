"""A template's plan of rounds: every column of a round that describes the plan, never its run state.

The plan columns are found from the ``rounds`` table itself (every column but the ids, the position, the state
and the times), so a column another feature adds to describe a round (a new kind lives in ``kinds``) is
copied into templates and back into workshops without a change here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Enum, Integer, String, Text
from sqlalchemy.orm import Session

from sessions.core.errors import ValidationFailed
from sessions.rounds.models import Round, RoundStatus
from sessions.rounds.plan import MAX_ROUNDS, RoundSpec

# Columns that say which workshop a round belongs to, where it is, or how far it has run.
RUN_STATE = frozenset({"id", "workshop_id", "position", "status", "remaining_ms"})
MAX_EXTRA_TEXT = 4000


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# The types of the columns RoundSpec checks, strictly (RoundSpec also reads form strings such as "5" and "on").
TYPES = {
    "name": lambda v: isinstance(v, str),
    "prompt": lambda v: isinstance(v, str),
    "duration_s": _is_int,
    "kinds": lambda v: isinstance(v, list) and all(isinstance(k, str) for k in v),
    "voting": lambda v: isinstance(v, bool),
    "dots": _is_int,
    "scope": lambda v: isinstance(v, str),
    "position": _is_int,
}


def plan_columns() -> list[Column[Any]]:
    """The columns of ``rounds`` that describe the plan (times are run state too: started, deadline, ended)."""
    return [c for c in Round.__table__.columns if c.name not in RUN_STATE and not isinstance(c.type, DateTime)]


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def snapshot(rounds: Sequence[Round]) -> list[dict[str, Any]]:
    """The plan of ``rounds`` (in plan order) as JSON-ready dicts."""
    return [{c.name: _plain(getattr(r, c.key)) for c in plan_columns()} for r in rounds]


def _bad(reason: str, n: int, **params: object) -> ValidationFailed:
    return ValidationFailed("template", reason, where=f"rounds[{n - 1}]", n=n, **params)


def _extra(column: Column[Any], value: Any, n: int) -> Any:
    """A plan column RoundSpec does not know (another feature's), checked by its type."""
    kind = column.type
    if value is None and column.nullable:
        return None
    ok = False
    if isinstance(kind, Enum):
        ok = isinstance(value, str) and value in (kind.enums or [])
    elif isinstance(kind, Boolean):
        ok = isinstance(value, bool)
    elif isinstance(kind, Integer):
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**31
    elif isinstance(kind, String | Text):
        limit = getattr(kind, "length", None) or MAX_EXTRA_TEXT
        ok = isinstance(value, str) and len(value) <= limit
    elif isinstance(kind, JSON):
        ok = isinstance(value, list) and all(isinstance(v, str | int | bool) and not isinstance(v, dict) for v in value)
    if not ok:
        raise _bad("bad_round", n, round_field=column.name)
    return value


def parse(rounds: object) -> list[dict[str, Any]]:
    """Check a template's rounds (a file's or a snapshot's) with the rules of the plan page (RoundSpec)."""
    if not isinstance(rounds, list):
        raise ValidationFailed("template", "bad_value", where="rounds")
    if len(rounds) > MAX_ROUNDS:
        raise ValidationFailed("template", "too_many_items", where="rounds", max=MAX_ROUNDS)
    columns = {c.name: c for c in plan_columns()}
    out = []
    for n, item in enumerate(rounds, start=1):
        if not isinstance(item, Mapping):
            raise _bad("bad_round", n, round_field="-")
        unknown = sorted(str(k) for k in item if k not in columns and k != "position")
        if unknown:
            raise _bad("bad_round", n, round_field=unknown[0])
        for field, ok in TYPES.items():
            if field in item and not ok(item[field]):
                raise _bad("bad_round", n, round_field=field)
        duration = item.get("duration_s", 0)
        try:
            spec = RoundSpec.parse(
                item.get("name"),
                item.get("prompt", ""),
                duration / 60,
                item.get("kinds", []),
                item.get("voting", False),
                item.get("dots", 5),
                item.get("scope", "all"),
            )
        except ValidationFailed as err:
            raise _bad("bad_round", n, round_field=err.field) from None
        row: dict[str, Any] = {
            "name": spec.name,
            "prompt": spec.prompt,
            "duration_s": spec.duration_s,
            "kinds": list(spec.kinds),
            "voting": spec.voting,
            "dots": spec.dots,
            "scope": spec.scope.value,
        }
        for name, column in columns.items():
            if name not in row and name in item:
                row[name] = _extra(column, item[name], n)
        out.append(row)
    return out


def restore(db: Session, workshop_id: int, rounds: Sequence[Mapping[str, Any]]) -> None:
    """Inside a write transaction: the plan as planned rounds of the workshop, in order."""
    columns = {c.name: c for c in plan_columns()}
    for position, item in enumerate(rounds):
        r = Round(workshop_id=workshop_id, position=position, status=RoundStatus.planned)
        for name, value in item.items():
            column = columns.get(name)
            if column is None:
                continue
            kind = column.type
            if isinstance(kind, Enum) and kind.enum_class is not None and value is not None:
                value = kind.enum_class(value)
            setattr(r, column.key, value)
        db.add(r)
