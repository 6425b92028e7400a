"""Imports point one way: the domain (sessions/) never imports the web layer or Flask."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "sessions"
FORBIDDEN = ("flask", "flask_socketio", "flask_login", "flask_wtf", "flask_babel", "socketio", "engineio", "facilitator")


def domain_files() -> list[Path]:
    files = sorted(DOMAIN.rglob("*.py"))
    assert files, "no Python files found under sessions/"
    return files


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call):
            # importlib.import_module("flask") / __import__("flask")
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if name in {"import_module", "__import__"} and node.args and isinstance(node.args[0], ast.Constant):
                if isinstance(node.args[0].value, str):
                    found.append((node.lineno, node.args[0].value))
    return found


def test_migrations_are_included_in_the_walk() -> None:
    names = {p.relative_to(DOMAIN).as_posix() for p in domain_files()}
    assert "migrations/env.py" in names
    assert any(n.startswith("migrations/versions/") for n in names)


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_domain_file_does_not_import_the_web_layer(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {mod}"
        for line, mod in imported_modules(tree)
        if mod.split(".")[0] in FORBIDDEN
    ]
    assert not bad, "\n".join(bad)


def test_the_checker_sees_forbidden_imports() -> None:
    """Guard against a checker that passes everything."""
    samples = [
        "import flask",
        "from flask import session",
        "import flask_socketio as fs",
        "from flask.globals import g",
        "def f():\n    from flask_login import current_user",
        "import importlib\nimportlib.import_module('flask')",
    ]
    for src in samples:
        mods = [m for _, m in imported_modules(ast.parse(src))]
        assert any(m.split(".")[0] in FORBIDDEN for m in mods), src


def test_importing_the_domain_does_not_load_flask() -> None:
    code = (
        "import json, sys\n"
        "import sessions.workshops.service, sessions.accounts.service, sessions.models, sessions.core.store, sessions.personas.library\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in %r)))\n" % (FORBIDDEN,)
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
