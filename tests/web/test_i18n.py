"""Translations: every UI string is translated into bokmål and nynorsk, placeholders survive, and the
app speaks bokmål by default.

The source is re-extracted with the project's babel.cfg on every run, so a new ``_()``/``_l()`` string
without a translation in facilitator/translations/{nb,nn} fails the suite (see docs/translations.md).
The compiled catalogues (``*.mo``, gitignored) are (re)built from the ``.po`` files when missing or
older; scripts/setup.sh does the same.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "facilitator" / "translations"
LOCALES = ("nb", "nn")
# Same keywords as the documented `pybabel extract -k lazy_gettext -k _l` (on top of Babel's defaults).
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
# Like `--ignore-dirs=".* _* node_modules instance"`: babel.cfg only matches facilitator/, sessions/, templates/.
SKIP_DIRS = {"node_modules", "instance"}

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%%|\{(\w*)\}")


def _po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _read_catalog(locale: str) -> Catalog:
    with _po_path(locale).open("rb") as f:
        return read_po(f, locale=locale)


def _placeholders(text: str) -> Counter[str]:
    return Counter(m.group(0) if m.group(0) == "%%" else (m.group(1) or "{%s}" % m.group(2)) for m in PLACEHOLDER.finditer(text))


def _as_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The messages in the current source, extracted with babel.cfg into a temporary .pot."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)

    def keep_dir(dirpath: str) -> bool:
        name = os.path.basename(dirpath)
        return not (name.startswith((".", "_")) or name in SKIP_DIRS)

    catalog = Catalog(project="Personaverkstad")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=keep_dir
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)

    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    with pot.open("wb") as f:
        write_po(f, catalog)
    with pot.open("rb") as f:
        return read_po(f)


def test_extraction_finds_python_and_template_strings(extracted: Catalog) -> None:
    ids = {m.id for m in extracted if m.id}
    assert len(ids) > 100, len(ids)
    sources = {path.split("/", 1)[0] for m in extracted for path, _ in m.locations}
    assert {"facilitator", "templates"} <= sources, sources
    # _l() in facilitator/errors.py and _() in a template
    assert "We found no workshop with that code. Check the eight digits on the screen and try again." in ids
    assert "Join a workshop" in ids


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(extracted: Catalog, locale: str) -> None:
    catalog = _read_catalog(locale)
    problems = []
    for m in extracted:
        if not m.id:
            continue
        where = ", ".join(f"{p}:{n}" for p, n in m.locations[:2])
        t = catalog.get(m.id, context=m.context)
        if t is None:
            problems.append(f"missing: {m.id!r} ({where})")
        elif t.fuzzy:
            problems.append(f"fuzzy: {m.id!r} ({where})")
        elif not all(s.strip() for s in _as_tuple(t.string)):
            problems.append(f"untranslated: {m.id!r} ({where})")
    assert not problems, (
        f"{len(problems)} message(s) need a {locale} translation; run the steps in docs/translations.md:\n  "
        + "\n  ".join(problems)
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_clean(locale: str) -> None:
    catalog = _read_catalog(locale)
    assert not catalog.fuzzy, f"the {locale} catalogue header is marked fuzzy (gettext would ignore it)"
    assert str(catalog.locale) == locale
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check()]
    assert not errors, errors


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_kept(locale: str) -> None:
    catalog = _read_catalog(locale)
    wrong = []
    for m in catalog:
        if not m.id or not m.string:
            continue
        ids = _as_tuple(m.id)
        for i, string in enumerate(_as_tuple(m.string)):
            source = ids[min(i, len(ids) - 1)]
            if _placeholders(string) != _placeholders(source):
                wrong.append(f"{source!r} -> {string!r}")
    assert not wrong, "placeholders differ:\n  " + "\n  ".join(wrong)


def test_placeholder_pattern() -> None:
    assert _placeholders("%(n)s tegn igjen {n} 100%% %(max)d") == Counter({"n": 1, "{n}": 1, "%%": 1, "max": 1})


# -- the running app ---------------------------------------------------------------------------


def test_pages_are_bokmal_by_default(client: Any) -> None:
    resp = client.get("/join")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert "Bli med i en workshop" in html
    assert "Join a workshop" not in html


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        ("nb", "Bli med i en workshop", "Join a workshop"),
        ("nn", "Bli med i ein workshop", "Bli med i en workshop"),
        ("en", "Join a workshop", "Bli med"),
    ],
)
def test_language_switch(client: Any, lang: str, present: str, absent: str) -> None:
    html = client.get(f"/join?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert present in html
    assert absent not in html
    assert f'href="?lang={lang}" lang="{lang}" aria-current="true"' in html
    # The choice is remembered for the next page.
    again = client.get("/join").get_data(as_text=True)
    assert present in again


def test_api_error_message_is_bokmal(client: Any) -> None:
    resp = client.post("/api/v1/join", json={"code": "123"})
    assert resp.status_code == 404
    error = resp.get_json()["error"]
    assert error["code"] == "unknown_join_code"
    assert error["message"] == "Vi fant ingen workshop med den koden. Sjekk de åtte sifrene på skjermen og prøv igjen."


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nn", "Vi fann ingen workshop med den koden. Sjekk dei åtte siffera på skjermen og prøv igjen."),
        ("en", "We found no workshop with that code. Check the eight digits on the screen and try again."),
    ],
)
def test_api_error_message_follows_lang(client: Any, lang: str, expected: str) -> None:
    resp = client.post(f"/api/v1/join?lang={lang}", json={"code": "123"})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["message"] == expected
