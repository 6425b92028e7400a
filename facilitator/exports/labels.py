"""The report's words, in the report's language, for every format.

Messages are English msgids translated by the app's catalogues (facilitator/translations); the worker
process and the CLI load them with Babel directly, the web page through Flask-Babel.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Protocol

from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
LANGUAGES = ("nb", "nn", "en")


class Gettext(Protocol):
    def gettext(self, message: str) -> str: ...


@functools.lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    if locale not in LANGUAGES or locale == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [locale], domain="messages")


class Labels(dict[str, str]):
    """``labels.summary`` or ``labels["summary"]``."""

    def __getattr__(self, name: str) -> str:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def labels(tr: Gettext, locale: str = "nb") -> Labels:
    _ = tr.gettext
    return Labels(
        locale=locale,
        report=_("Report"),
        contents=_("Contents"),
        place=_("Place"),
        date=_("Date"),
        organisers=_("Organisers"),
        summary=_("Summary"),
        inputs=_("Summary of contributions"),
        the_personas=_("The personas"),
        needs=_("Competence needs"),
        solutions=_("Solution proposals"),
        need=_("Competence need"),
        solution=_("Solution proposal"),
        no_inputs=_("No contributions."),
        themes=_("Cross-cutting themes"),
        participation=_("Participation"),
        method=_("Method and next time"),
        method_auto=_("The groups worked with personas: fictional but realistic people. Each group discussed what competence its persona needs and what the municipality could do, and posted its contributions from phones during the workshop."),
        invite=_("Who should be invited next time"),
        participants=_("Participants"),
        contributions=_("Contributions"),
        group=_("Group"),
        groups=_("Groups"),
        persona=_("Persona"),
        kind=_("Kind"),
        text=_("Text"),
        time=_("Time"),
        votes=_("Votes"),
        tags=_("Tags"),
        theme=_("Theme"),
        hidden=_("Hidden"),
        yes=_("yes"),
        no=_("no"),
        total=_("Total"),
        per_persona=_("Contributions per persona"),
        timeline=_("When contributions arrived"),
        timeline_bucket=_("contributions per %(n)s minutes"),
        not_written=_("Not written yet."),
        running=_("The workshop is still running; this report updates as contributions arrive."),
        generated=_("Made with Personaverkstad"),
        figures_line=_("%(participants)s participants posted %(contributions)s contributions: %(needs)s competence needs and %(solutions)s solution proposals."),
        vote_count=_("%(n)s votes"),
        unknown_persona=_("Without persona"),
    )


def kind_label(lab: Labels, kind: str) -> str:
    return lab.need if kind == "need" else lab.solution


def fill(template: str, **params: Any) -> str:
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template
