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

import tomllib
from pathlib import Path
from typing import Any

from sessions.personas.checks import collect_persona_errors
from sessions.personas.schema import MAX_FILE_BYTES, PersonaFileError, PersonaSpec


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
