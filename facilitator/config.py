"""Configuration: defaults, then environment variables, then the test config."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask


def _secret_key(instance: Path) -> str:
    """PV_SECRET_KEY, or a random key kept in the instance folder so sessions survive a restart."""
    if os.environ.get("PV_SECRET_KEY"):
        return os.environ["PV_SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _positive_int(name: str, default: int, *, allow_zero: bool = False) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number < (0 if allow_zero else 1):
        raise ValueError(f"{name} must be at least {0 if allow_zero else 1}, not {number}")
    return number


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    secure_cookies = not _flag("PV_ALLOW_HTTP", False)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'personaverkstad.sqlite'}",
        SQLITE_SYNCHRONOUS=os.environ.get("PV_SQLITE_SYNCHRONOUS", "FULL"),
        # SQLite only: checkpoint the WAL every this many seconds in a background task instead of inside
        # a commit (sessions/core/store.py ``checkpoint``). `serve` sets 1; 0: SQLite's own checkpoints.
        SQLITE_CHECKPOINT_SECONDS=float(os.environ.get("PV_SQLITE_CHECKPOINT_SECONDS") or 0),
        # Redis URL for the Socket.IO message queue and shared rate limits (several processes).
        REDIS_URL=os.environ.get("REDIS_URL") or None,
        PERSONA_DIR=os.environ.get("PV_PERSONA_DIR") or str(Path(app.root_path).parent / "personas"),
        # Public base URL for join links and QR codes (e.g. https://verkstad.example.no); default: the request's.
        PUBLIC_URL=os.environ.get("PV_PUBLIC_URL") or None,
        SESSION_COOKIE_NAME="pv_session",
        SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=60 * 60 * 24 * 14,
        MAX_CONTENT_LENGTH=64 * 1024,
        SOCKETIO_MAX_MESSAGE=16 * 1024,
        SOCKETIO_ASYNC_MODE=os.environ.get("PV_ASYNC_MODE") or None,
        # Tallies after dots: at most BURST pushes at once, then one per INTERVAL seconds per workshop, the
        # last one exact (facilitator/realtime/tally_push.py).
        TALLY_PUSH_INTERVAL=0.2,
        TALLY_PUSH_BURST=2,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="nb",
        BABEL_DEFAULT_TIMEZONE="Europe/Oslo",
        LANGUAGES=("nb", "nn", "en"),
        RATELIMIT_STORAGE_URL=os.environ.get("REDIS_URL") or "memory://",
        # Only for benchmarks that drive hundreds of phones from one address; never in production.
        RATELIMIT_ENABLED=not _flag("PV_RATELIMIT_DISABLED", False),
        TRUST_PROXY=_flag("PV_TRUST_PROXY", False),
        # Days after a workshop closes until it is deleted automatically (a workshop may set its own), and how
        # often `serve` looks for such workshops (0: never; then run `flask --app facilitator privacy sweep`).
        RETENTION_DAYS=_positive_int("PV_RETENTION_DAYS", 90),
        RETENTION_SWEEP_SECONDS=_positive_int("PV_RETENTION_SWEEP_SECONDS", 3600, allow_zero=True),
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
