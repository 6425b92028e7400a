"""``flask --app facilitator privacy ...``: retention status, the sweep (for cron or a systemd timer), and
deleting a workshop or a participant's contributions from the command line (docs/privacy.md)."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from facilitator.db import get_db
from facilitator.privacy import erasure
from sessions.core.base import utcnow
from sessions.core.errors import DomainError
from sessions.privacy import service as privacy
from sessions.workshops.models import Workshop

privacy_cli = AppGroup("privacy", help="Retention and deletion of personal data.")


def _default_days() -> int:
    return int(current_app.config["RETENTION_DAYS"])


def _parse_now(value: str | None) -> dt.datetime:
    if not value:
        return utcnow()
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("an ISO 8601 time, e.g. 2027-02-21T12:00:00Z") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


@privacy_cli.command("status")
def status() -> None:
    """List every workshop with its state and when it will be deleted automatically."""
    db = get_db()
    days = _default_days()
    click.echo(f"default retention: {days} days after closing")
    for ws in db.scalars(select(Workshop).order_by(Workshop.id)):
        when = privacy.delete_after(ws, days)
        due = f"deleted after {when.isoformat(timespec='minutes')}Z" if when else f"{privacy.retention_days(ws, days)} days after closing"
        click.echo(f"{ws.id:>6}  {ws.status.value:<6}  {due}")


@privacy_cli.command("sweep")
@click.option("--dry-run", is_flag=True, help="Only list what is due.")
@click.option("--now", "now_text", default=None, help="Pretend it is this time (ISO 8601, UTC); for testing.")
def sweep(dry_run: bool, now_text: str | None) -> None:
    """Delete every closed workshop whose retention has run out (safe to run from cron in several places)."""
    now = _parse_now(now_text)
    db = get_db()
    if dry_run:
        due = privacy.due_workshops(db, now, _default_days())
        click.echo(f"{len(due)} workshop(s) due: {', '.join(map(str, due)) or '-'}")
        return
    swept = erasure.sweep_now(current_app._get_current_object(), now)  # type: ignore[attr-defined]
    for item in swept:
        click.echo(f"deleted workshop {item.workshop_id} ({sum(item.rows.values())} rows)")
    click.echo(f"{len(swept)} workshop(s) deleted")


@privacy_cli.command("delete-workshop")
@click.argument("workshop_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask; for scripts.")
def delete_workshop(workshop_id: int, yes: bool) -> None:
    """Delete WORKSHOP_ID and everything in it. Export it first: `flask --app facilitator report ID --format json -o FILE`."""
    db = get_db()
    ws = db.get(Workshop, workshop_id)
    if ws is None:
        raise click.ClickException(f"no workshop {workshop_id}")
    if not yes:
        click.confirm(f"Delete workshop {ws.id} ({ws.title!r}) and everything in it?", abort=True)
    rows = erasure.delete_workshop(workshop_id)
    if rows is None:
        raise click.ClickException(f"no workshop {workshop_id}")
    click.echo(f"deleted workshop {workshop_id}: " + ", ".join(f"{t} {n}" for t, n in sorted(rows.items())))


@privacy_cli.command("forget")
@click.argument("workshop_id", type=int)
@click.argument("code")
def forget(workshop_id: int, code: str) -> None:
    """Delete the participant with deletion code CODE (shown on their phone) and everything they wrote."""
    try:
        erased = erasure.forget_by_code(workshop_id, code)
    except DomainError as err:
        raise click.ClickException(f"nothing deleted: {err.code} ({err.params.get('reason') or err})") from None
    click.echo(f"deleted participant: {erased.erased} contribution(s) erased, rows removed {erased.removed or '{}'}")


def init_app(app: Flask) -> None:
    app.cli.add_command(privacy_cli)
