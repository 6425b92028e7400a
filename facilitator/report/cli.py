"""Command line for the report: ``flask --app facilitator report ID --format F -o FILE`` and
``flask --app facilitator workshops import FILE`` (prints the new workshop's id on the last line)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from facilitator.db import get_db
from facilitator.exports import filename, render
from facilitator.exports.labels import LANGUAGES, labels, translations
from sessions.accounts import service as accounts
from sessions.accounts.models import User
from sessions.archive import service as archive
from sessions.core.errors import DomainError
from sessions.report.build import build_report

workshops_cli = AppGroup("workshops", help="Workshops: import an archive made with `report --format json`.")


@click.command("report")
@click.argument("workshop_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf", "md", "csv", "xlsx", "json"]), default="docx", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write ('-' for stdout); default: a name from the title.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="nb", show_default=True, help="Language of the report's headings.")
@with_appcontext
def report_command(workshop_id: int, fmt: str, output: Path | None, lang: str) -> None:
    """Write the report of WORKSHOP_ID as DOCX, PDF, Markdown, CSV, XLSX or the JSON archive."""
    db = get_db()
    try:
        if fmt == "json":
            data = json.dumps(archive.export_archive(db, workshop_id), ensure_ascii=False, indent=2).encode("utf-8")
            title_report = build_report(db, workshop_id)
        else:
            title_report = build_report(db, workshop_id)
            data = render(fmt, title_report, labels(translations(lang), lang))
    except DomainError as err:
        raise click.ClickException(f"cannot make the report: {err}") from None
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(data)
        return
    target = output or Path(filename(title_report.title, title_report.date.isoformat() if title_report.date else "", fmt))
    target.write_bytes(data)
    click.echo(f"wrote {target} ({len(data):,} bytes)")


@workshops_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--owner", "owner_email", help="The facilitator who will own it (default: the only facilitator).")
def import_command(file: object, owner_email: str | None) -> None:
    """Import a workshop archive (JSON) as a new workshop; print its id on the last line."""
    db = get_db()
    if owner_email:
        owner = accounts.user_by_email(db, owner_email)
        if owner is None:
            raise click.ClickException(f"no facilitator with e-mail {owner_email}")
    else:
        users = db.scalars(select(User).limit(2)).all()
        if len(users) != 1:
            raise click.ClickException(
                "say who will own the workshop with --owner EMAIL" if users else "create a facilitator first: users create EMAIL"
            )
        owner = users[0]
    try:
        data = json.loads(file.read().decode("utf-8"))  # type: ignore[attr-defined]
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise click.ClickException(f"not a JSON file: {err}") from None
    try:
        ws = archive.import_archive(db, data, owner)
    except DomainError as err:
        raise click.ClickException(f"cannot import: {err} {err.params}") from None
    click.echo(f"imported workshop {ws.title!r} for {owner.email} as id:")
    click.echo(ws.id)


def init_app(app: Flask) -> None:
    app.cli.add_command(report_command)
    app.cli.add_command(workshops_cli)
