"""What the phone's post form is given: the kinds open now and, for a «Hos oss» round, the municipalities
already named and the needs and proposals a case may grow from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from sessions.contributions import local
from sessions.contributions.models import Contribution, ContributionKind
from sessions.workshops.models import Group, Workshop

LIVE = ("running", "paused")


def open_kinds(snapshot: dict[str, Any]) -> list[str]:
    """The kinds a post may have now, as rounds.js decides it on the phone (before any round: needs and
    proposals; a live round: its kinds; else none)."""
    r = snapshot.get("round")
    if r is None:
        return [ContributionKind.need.value, ContributionKind.solution.value]
    return list(r["kinds"]) if r["status"] in LIVE else []


def post_form(db: Session, ws: Workshop, group: Group, items: Sequence[Contribution], snapshot: dict[str, Any]) -> dict[str, Any]:
    kinds = open_kinds(snapshot)
    return {
        "open_kinds": kinds,
        # The «Hos oss» fields are only drawn in a workshop that plans a local round (rounds.js shows them).
        "local_form": {
            "open": ContributionKind.local.value in kinds,
            "municipalities": local.municipalities(db, ws.id),
            "origins": local.origins(items, group.persona_id),
        },
    }
