"""The Alembic migrations are one line of history and build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from sessions.core.store import alembic_config, make_engine, upgrade
from sessions.models import Base


def test_one_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: add a merge revision"


def _fk_key(fk) -> tuple:
    # Without ON DELETE: SQLAlchemy does not reflect it for column-level REFERENCES on SQLite;
    # test_sqlite_reference_columns_set_null checks it there with PRAGMA foreign_key_list.
    return (fk.parent.name, tuple(fk.column_keys), tuple(e.target_fullname for e in fk.elements))


def _schema_diff(engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    # SQLite does not report the names of foreign keys added with ALTER TABLE ... ADD COLUMN ... REFERENCES
    # (migration 0003 does that to avoid a table rebuild), so a removed unnamed and an added named foreign
    # key with the same columns, target and ON DELETE are the same constraint.
    removed = {_fk_key(d[1]) for d in diff if d[0] == "remove_fk"}
    added = {_fk_key(d[1]) for d in diff if d[0] == "add_fk"}
    same = removed & added
    return [d for d in diff if not (d[0] in {"remove_fk", "add_fk"} and _fk_key(d[1]) in same)]


def test_fresh_sqlite_database_matches_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/m.sqlite")
    upgrade(engine)
    assert _schema_diff(engine) == []
    engine.dispose()


def test_the_suites_database_matches_the_models(engine):
    """The database of this run (SQLite, or PostgreSQL when DATABASE_URL is set), migrated by the fixtures."""
    assert _schema_diff(engine) == []


def test_sqlite_reference_columns_set_null(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/m.sqlite")
    upgrade(engine)
    with engine.connect() as conn:
        fks = {row[3]: (row[2], row[6]) for row in conn.exec_driver_sql("PRAGMA foreign_key_list(contributions)")}
    engine.dispose()
    assert fks["round_id"] == ("rounds", "SET NULL")
    assert fks["merged_into_id"] == ("contributions", "SET NULL")
