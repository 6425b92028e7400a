"""series: workshops grouped in a series (issue 15)

Revision ID: 0012
Revises: 0010

One of the branches of issue 15 developed side by side from 0010; the lead's merge revision joins them.

Adds ``workshop_series`` (name, description, owner) and ``series_workshops`` (a workshop's place in a
series; the workshop is the primary key, so a workshop is in at most one series). New tables only.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshop_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_workshop_series_owner_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_series")),
    )
    op.create_index(op.f("ix_workshop_series_owner_id"), "workshop_series", ["owner_id"], unique=False)
    op.create_table(
        "series_workshops",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_series_workshops_workshop_id_workshops"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["workshop_series.id"], name=op.f("fk_series_workshops_series_id_workshop_series"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("workshop_id", name=op.f("pk_series_workshops")),
    )
    op.create_index(op.f("ix_series_workshops_series_id"), "series_workshops", ["series_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_series_workshops_series_id"), table_name="series_workshops")
    op.drop_table("series_workshops")
    op.drop_index(op.f("ix_workshop_series_owner_id"), table_name="workshop_series")
    op.drop_table("workshop_series")
