"""Theme suggestions name the existing theme they resemble (``near_theme_id``) and the words both use.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        # Like migrations 0003 and 0013: a column-level reference, so SQLite needs no table rebuild.
        op.execute(
            "ALTER TABLE suggested_themes ADD COLUMN near_theme_id INTEGER "
            "CONSTRAINT fk_suggested_themes_near_theme_id_themes REFERENCES themes (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("suggested_themes", sa.Column("near_theme_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_suggested_themes_near_theme_id_themes"),
            "suggested_themes",
            "themes",
            ["near_theme_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.add_column("suggested_themes", sa.Column("near_words", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("suggested_themes") as batch:
        if op.get_context().dialect.name != "sqlite":
            batch.drop_constraint(op.f("fk_suggested_themes_near_theme_id_themes"), type_="foreignkey")
        batch.drop_column("near_words")
        batch.drop_column("near_theme_id")
