"""Imports point one way: the domain (sessions/) never imports the web layer or Flask."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

# Imports and source files, no database: scripts/test.sh runs this once, in the PostgreSQL pass.
pytestmark = pytest.mark.one_pass

ROOT = Path(__file__).resolve().parents[2]
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


# -- the feature-package rules (README, "Code layout") ---------------------------------------------------

PACKAGES = ("sessions", "facilitator")
# What a function-level import must say on its line (or the line above) to be allowed: why it cannot be at
# the top, with the measured cost or the ordering it protects.
REASON = "# start-up:"
LONG_REASON = "Long on purpose:"
MAX_LINES = 400


def python_files() -> list[Path]:
    files = [
        p
        for pkg in PACKAGES
        for p in sorted((ROOT / pkg).rglob("*.py"))
        if "migrations" not in p.relative_to(ROOT).parts
    ]
    assert len(files) > 50, files
    return files


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


IMPORT_EACH_ALONE = r"""
import importlib, json, sys, traceback
ours = tuple(sys.argv[1].split(","))
failed = {}
for name in sys.argv[2:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] in ours]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except BaseException:  # noqa: BLE001 - report every failure
        failed[name] = traceback.format_exc(limit=-3)
print(json.dumps(failed))
"""


def import_each_alone(names: list[str], packages: tuple[str, ...] = PACKAGES, cwd: Path = ROOT) -> dict[str, str]:
    """Import each module with none of ours loaded before it (one interpreter; our modules are dropped from
    ``sys.modules`` between imports, so an import circle among them fails as in a fresh interpreter)."""
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_ALONE, ",".join(packages), *names],
        cwd=cwd, capture_output=True, text=True, timeout=300, check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_every_module_imports_on_its_own() -> None:
    names = [module_name(p) for p in python_files()]
    failed = import_each_alone(names)
    assert failed == {}, "\n\n".join(f"{name}:\n{tb}" for name, tb in failed.items())


def test_the_import_walk_sees_a_circle(tmp_path: Path) -> None:
    """A circle that works from one side only (``b`` first) fails when ``a`` is imported alone."""
    pkg = tmp_path / "circle"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from circle import b\nX = 1\n")
    (pkg / "b.py").write_text("from circle.a import X\n")
    failed = import_each_alone(["circle.a", "circle.b"], ("circle",), cwd=tmp_path)
    assert set(failed) == {"circle.a"} and "ImportError" in failed["circle.a"]


def _top_level_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """Module-level imports outside ``if TYPE_CHECKING:`` blocks (those never run)."""
    found: list[tuple[int, str]] = []
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Import):
                found += [(sub.lineno, a.name) for a in sub.names]
            elif isinstance(sub, ast.ImportFrom):
                found.append((sub.lineno, "." * sub.level + (sub.module or "")))
    return found


def feature_models() -> list[Path]:
    files = sorted(p for p in DOMAIN.glob("*/models.py") if p.parent.name != "core")
    assert len(files) >= 8, files
    return files


@pytest.mark.parametrize("path", feature_models(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_feature_s_models_import_only_core(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {mod}"
        for line, mod in _top_level_imports(tree)
        if mod.startswith(".") or (mod.split(".")[0] == "sessions" and not mod.startswith("sessions.core"))
    ]
    assert not bad, "\n".join(bad)


def test_the_models_check_sees_a_feature_import() -> None:
    tree = ast.parse("from sessions.core.base import Base\nif TYPE_CHECKING:\n    from sessions.tags.models import Tag\n"
                     "from sessions.workshops.models import Workshop\n")
    assert [m for _, m in _top_level_imports(tree)] == ["sessions.core.base", "sessions.workshops.models"]


def imports_inside_functions(source: str) -> list[int]:
    """Lines of imports inside a function body that do not name their reason (``# start-up: …``)."""
    lines = source.splitlines()
    bad: list[int] = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                around = lines[node.lineno - 2 : node.end_lineno]
                if not any(REASON in line for line in around):
                    bad.append(node.lineno)
    return sorted(set(bad))


@pytest.mark.parametrize("path", python_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_import_inside_a_function_without_a_reason(path: Path) -> None:
    bad = imports_inside_functions(path.read_text(encoding="utf-8"))
    assert not bad, f"{path.relative_to(ROOT)}: imports inside functions on lines {bad} (move them up, or say '{REASON} …')"


def test_the_function_import_check_sees_one() -> None:
    assert imports_inside_functions("def f():\n    import json\n") == [2]
    assert imports_inside_functions("def f():\n    # start-up: json costs 1 s\n    import json\n") == []


@pytest.mark.parametrize("path", python_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_long_module_without_a_reason_at_its_top(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if text.count("\n") > MAX_LINES:
        head = "\n".join(text.splitlines()[:40])
        assert LONG_REASON in head, f"{path.relative_to(ROOT)} has {text.count(chr(10))} lines: split it, or say '{LONG_REASON} …' at its top"
