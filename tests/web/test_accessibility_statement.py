"""The accessibility statement (tilgjengelighetserklæring): public, in bokmål, nynorsk and English by the
language choice, in the structure Uutilsynet asks for, and linked from the footer of every kind of page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from helpers import phone_client

STATEMENT = "/tilgjengelighet"


def footer(html: str) -> str:
    found = re.findall(r"<footer class=\"site-footer\">.*?</footer>", html, re.DOTALL)
    assert len(found) == 1, "expected one site footer"
    return found[0]


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        (
            "nb",
            [
                "<h1>Tilgjengelighetserklæring for Personaverkstad</h1>",
                "WCAG 2.1",
                "nivå A og AA",
                "forskrift om universell utforming av IKT-løsninger",
                "delvis i samsvar",
                "PDF/UA",
                "200 %",
                "axe-core",
                "tastatur",
                "arrangøren av workshopen",
                "Tilsynet for universell utforming av ikt",
                'href="https://www.uutilsynet.no/"',
                '<time datetime="2026-12-03">3. desember 2026</time>',
            ],
        ),
        (
            "nn",
            [
                "<h1>Tilgjengelegheitserklæring for Personaverkstad</h1>",
                "WCAG 2.1",
                "nivå A og AA",
                "forskrift om universell utforming av IKT-løysingar",
                "delvis i samsvar",
                "PDF/UA",
                "200 %",
                "axe-core",
                "tastatur",
                "arrangøren av workshopen",
                "Tilsynet for universell utforming av ikt",
                'href="https://www.uutilsynet.no/"',
                '<time datetime="2026-12-03">3. desember 2026</time>',
            ],
        ),
        (
            "en",
            [
                "<h1>Accessibility statement for Personaverkstad</h1>",
                "WCAG 2.1",
                "partially compliant",
                "PDF/UA",
                "organiser of the workshop",
                '<span lang="nb">Tilsynet for universell utforming av ikt</span>',
                '<time datetime="2026-12-03">3 December 2026</time>',
            ],
        ),
    ],
)
def test_the_statement_in_each_language_without_signing_in(
    client: Any, lang: str, phrases: list[str]
) -> None:
    resp = client.get(f"{STATEMENT}?lang={lang}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert re.search(rf'<html lang="{lang}">', html), f"<html lang> is not {lang}"
    assert (
        '<main id="main"' in html and "<header" in html and "<footer" in html
    )  # landmarks like every page
    assert html.count("<h1") == 1
    for phrase in phrases:
        assert phrase in html, phrase


def test_the_norwegian_statements_have_no_english_left() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates" / "accessibility"
    for lang in ("nb", "nn"):
        text = (root / f"statement.{lang}.html").read_text(encoding="utf-8")
        body = re.sub(
            r"\{#.*?#\}", "", text, flags=re.DOTALL
        )  # the comment for developers is English
        for word in (
            " the ",
            " and ",
            " of ",
            " is ",
            "statement",
            "Move to",
            "screen reader",
        ):
            assert word not in body, (lang, word)


def test_bokmaal_is_the_default_and_the_language_choice_sticks(client: Any) -> None:
    assert "Tilgjengelighetserklæring for Personaverkstad" in client.get(
        STATEMENT
    ).get_data(as_text=True)
    client.get("/?lang=nn")
    assert "Tilgjengelegheitserklæring for Personaverkstad" in client.get(
        STATEMENT
    ).get_data(as_text=True)


def test_accessibility_redirects_to_the_statement(client: Any) -> None:
    resp = client.get("/accessibility")
    assert resp.status_code == 301 and resp.headers["Location"].endswith(STATEMENT)


def test_every_footer_links_to_the_statement(
    client: Any, logged_in: Any, workshop: Any, make_client: Any
) -> None:
    anon = make_client()
    phone = phone_client(make_client, workshop, workshop.groups[0], "Kari")
    pages = {
        "home": (anon, "/"),
        "login": (anon, "/login"),
        "join": (anon, "/join"),
        "privacy notice": (anon, "/personvern"),
        "the statement itself": (anon, STATEMENT),
        "workshops": (logged_in, "/workshops"),
        "dashboard": (logged_in, f"/workshops/{workshop.id}/live"),
        "report": (logged_in, f"/workshops/{workshop.id}/report"),
        "phone page": (phone, f"/w/{workshop.id}"),
        "phone privacy page": (phone, f"/w/{workshop.id}/personvern"),
    }
    for name, (browser, url) in pages.items():
        resp = browser.get(url)
        assert resp.status_code == 200, (name, resp.status_code)
        assert f'href="{STATEMENT}"' in footer(resp.get_data(as_text=True)), name
    nn = phone.get(f"/w/{workshop.id}?lang=nn").get_data(as_text=True)
    assert (
        f'<a href="{STATEMENT}" data-accessibility-link>Tilgjengelegheitserklæring</a>'
        in footer(nn)
    )
    nb = anon.get("/?lang=nb").get_data(as_text=True)
    assert (
        f'<a href="{STATEMENT}" data-accessibility-link>Tilgjengelighetserklæring</a>'
        in footer(nb)
    )
