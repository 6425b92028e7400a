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
    pgettext = getattr(tr, "pgettext", lambda _context, message: tr.gettext(message))
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
        # Sections 3-6: themes, tags by persona, role groups, follow-up (each only when it has content).
        theme_overview=_("Themes at a glance"),
        theme_spans=_("spans %(n)s personas: %(names)s"),
        theme_spans_one=_("concerns one persona: %(names)s"),
        theme_count=_("%(n)s contributions: %(needs)s competence needs and %(solutions)s solution proposals"),
        themes_intro=_("The facilitators grouped contributions from every persona into themes on the theme board. A theme that spans several personas shows what the groups have in common."),
        personas_spanned=_("Personas"),
        tag_tables=_("Kinds of measure by persona"),
        tag_tables_intro=_("Contributions with each tag, per persona; hidden and deleted contributions are not counted. A contribution may carry several tags; tags nobody used are left out."),
        tagged_line=_("%(tagged)s of %(contributions)s contributions have a tag in this category."),
        category_measure=_("Kind of measure"),
        category_level=_("Level"),
        category_need=_("Need type"),
        role_differences=_("Differences between role groups"),
        role_groups=_("Role groups"),
        role_intro=_("Participants could give their role when they joined. The table compares the role groups' contributions; it never shows who wrote what."),
        role_privacy=_("A role is shown as a group of its own only if at least %(n)s participants gave it; smaller groups are combined under “Others / not given”, or left out, so that nobody can be identified."),
        role_too_few=_("Too few participants gave each role to compare role groups without anyone being identifiable."),
        role_shares=_("The percentages are the share of each group’s contributions that carry the kind of measure."),
        role=_("Role"),
        role_leder=_("Leader"),
        role_mellomleder=_("Middle manager"),
        role_ansatt=_("Employee"),
        role_tillitsvalgt=_("Union representative"),
        role_hr=_("HR"),
        role_ekstern=_("External"),
        role_other=_("Others / not given"),
        removed_persona=_("Removed persona"),
        followup=_("Follow-up"),
        followup_intro_report=_("Proposals the organisers turned into follow-up items, by status: what has been achieved, what has not got far enough, and what to focus on next."),
        as_of=_("Status as of %(date)s"),
        followup_figures=_("%(n)s follow-up items, %(overdue)s of them past their deadline."),
        status_achieved=pgettext("follow-up report heading", "Achieved"),
        status_not_far_enough=pgettext("follow-up report heading", "Not far enough"),
        status_next_focus=pgettext("follow-up report heading", "Next focus"),
        status_open=pgettext("follow-up report heading", "Not assessed yet"),
        status=_("Status"),
        item=_("Follow-up item"),
        responsible=_("Responsible"),
        deadline=_("Deadline"),
        overdue=_("Overdue"),
        overdue_note=_("the deadline has passed"),
        note=_("Note"),
        no_items=_("No items."),
        # «Hos oss»: from the persona to the tables' own municipalities.
        local_cases=_("From persona to our municipality"),
        local_intro=_("After the persona work each table wrote real cases from its own municipality (Hos oss), each linked to the persona’s need or proposal it grew from."),
        local_case=_("Hos oss case"),
        local_count=_("%(n)s cases from %(m)s municipalities."),
        municipality=_("Municipality"),
        grew_from=_("grew from: %(text)s"),
        grew_from_column=_("Grew from"),
        local=_("Hos oss"),
    )


def role_label(lab: Labels, key: str) -> str:
    return lab.get(f"role_{key}", key)


def category_label(lab: Labels, key: str) -> str:
    return lab.get(f"category_{key}", key)


def status_label(lab: Labels, status: str) -> str:
    return lab.get(f"status_{status}", status)


def kind_label(lab: Labels, kind: str) -> str:
    return {"need": lab.need, "local": lab.local}.get(kind, lab.solution)


def fill(template: str, **params: Any) -> str:
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template
