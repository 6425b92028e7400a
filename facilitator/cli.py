"""Command line: ``flask --app facilitator ...`` (users, personas, db, demo)."""

from __future__ import annotations

import datetime as dt
import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from facilitator import db as dbmod
from facilitator.db import get_db
from sessions.accounts import service as accounts
from sessions.core.errors import DomainError
from sessions.core.store import write_transaction
from sessions.personas.library import load_library
from sessions.workshops import service as svc
from sessions.workshops.models import Workshop

users_cli = AppGroup("users", help="Facilitator accounts.")
personas_cli = AppGroup("personas", help="The persona library in personas/.")
db_cli = AppGroup("db", help="The database.")

DEMO_EMAIL = "demo@personaverkstad.no"
DEMO_TITLE = "Personalledersamling: kompetanse i kommunane (demo)"


@users_cli.command("create")
@click.argument("email")
@click.option("--password", help="For scripts; without it you are asked (hidden, twice).")
def users_create(email: str, password: str | None) -> None:
    """Create a facilitator account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(get_db(), email, password)
    except DomainError as err:
        raise click.ClickException(f"cannot create user: {err}") from None
    click.echo(f"created facilitator {user.email} (id {user.id})")


@users_cli.command("token")
@click.argument("email")
def users_token(email: str) -> None:
    """Print a new API token for EMAIL on the last line (the previous token stops working)."""
    user = accounts.user_by_email(get_db(), email)
    if user is None:
        raise click.ClickException(f"no facilitator with e-mail {email}")
    token = accounts.issue_api_token(get_db(), user)
    click.echo(f"API token for {user.email} (send as 'Authorization: Bearer <token>'):")
    click.echo(token)


@personas_cli.command("check")
def personas_check() -> None:
    """Validate every persona file; exit 1 and name file and field for each problem."""
    directory = Path(current_app.config["PERSONA_DIR"])
    specs, errors = load_library(directory)
    for spec in specs.values():
        click.echo(f"ok     {spec.source or spec.id}: {spec.name}")
    for err in errors:
        click.echo(f"ERROR  {err}", err=True)
    if errors:
        bad = len({e.path for e in errors})
        click.echo(f"{bad} bad file(s), {len(errors)} problem(s); {len(specs)} persona(s) valid", err=True)
        sys.exit(1)
    click.echo(f"{len(specs)} persona(s) valid")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    dbmod.migrate(current_app)
    click.echo("database is up to date")


@click.command("demo")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True, help="Where the server will listen.")
def demo(base_url: str) -> None:
    """Migrate, create the demo facilitator and an open demo workshop, and print how to reach them."""
    app = current_app
    dbmod.migrate(app)
    db = get_db()
    password = secrets.token_urlsafe(9)
    user = accounts.user_by_email(db, DEMO_EMAIL)
    if user is None:
        user = accounts.create_user(db, DEMO_EMAIL, password)
    else:
        accounts.set_password(db, user, password)
    ws = db.scalar(select(Workshop).where(Workshop.owner_id == user.id, Workshop.title == DEMO_TITLE))
    if ws is None:
        lib = app.extensions["pv_personas"]
        order = [k for k in ("ine", "torunn", "nils", "trond", "silje") if k in lib]
        specs = [lib[k] for k in order]
        details = svc.WorkshopDetails(
            title=DEMO_TITLE,
            date=dt.date.today(),
            place="Molde",
            intro=(
                "Velkommen! Kvart bord får ein persona. Diskuter kva kompetanse personen treng, "
                "og kva kommunen kan gjere. Skriv innspela på mobilen."
            ),
        )
        groups = [(f"Bord {i + 1}", spec.id) for i, spec in enumerate(specs)]
        ws = svc.create_workshop(db, user, details, specs, groups)
    if ws.is_draft or ws.is_closed:
        if ws.is_closed:
            with write_transaction(db):
                db.get_one(Workshop, ws.id).status = type(ws.status).draft
        ws = svc.open_workshop(db, ws)
    base = base_url.rstrip("/")
    lines = [
        "Personaverkstad demo is ready.",
        f"  Facilitator login: {base}/login",
        f"      e-mail:   {DEMO_EMAIL}",
        f"      password: {password}",
        f"  Dashboard:  {base}/workshops/{ws.id}/live",
        f"  Wall:       {base}/wall/{ws.wall_token}",
        f"  Join URL:   {base}/j/{ws.join_code}",
        f"  Join code:  {ws.join_code_display}",
    ]
    click.echo("\n".join(lines))


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(personas_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(demo)
