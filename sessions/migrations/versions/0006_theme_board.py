"""theme_board: themes on the facilitator's board and rejected suggestions (issue 5)

Revision ID: 0006
Revises: 0004

One of four branches from 0004 developed side by side; 0009 merges them.

New tables only (``contributions`` is not touched): ``themes`` (named themes in board order),
``theme_members`` (keyed by the contribution, so a contribution is in at most one theme),
``suggested_themes`` (suggestions as proposed; rejected ones are kept so they are not suggested again)
and ``theme_boards`` (the board's revision and latest suggestion batch per workshop).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("origin", sa.Enum("manual", "suggested", name="themeorigin", native_enum=False, length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_themes_workshop_id_workshops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
    )
    op.create_index(op.f("ix_themes_workshop_id"), "themes", ["workshop_id"], unique=False)

    op.create_table(
        "theme_members",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_theme_members_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_theme_members_theme_id_themes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("contribution_id", name=op.f("pk_theme_members")),
    )
    op.create_index(op.f("ix_theme_members_theme_id"), "theme_members", ["theme_id"], unique=False)

    op.create_table(
        "suggested_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("member_ids", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "accepted", "rejected", "superseded", name="suggestionstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_suggested_themes_workshop_id_workshops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggested_themes")),
    )
    op.create_index(op.f("ix_suggested_themes_workshop_id"), "suggested_themes", ["workshop_id"], unique=False)

    op.create_table(
        "theme_boards",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("suggested_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_theme_boards_workshop_id_workshops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("workshop_id", name=op.f("pk_theme_boards")),
    )


def downgrade() -> None:
    op.drop_table("theme_boards")
    op.drop_index(op.f("ix_suggested_themes_workshop_id"), table_name="suggested_themes")
    op.drop_table("suggested_themes")
    op.drop_index(op.f("ix_theme_members_theme_id"), table_name="theme_members")
    op.drop_table("theme_members")
    op.drop_index(op.f("ix_themes_workshop_id"), table_name="themes")
    op.drop_table("themes")
