"""rounds: the workshop plan with timers, rotation history, dot votes, moderation and the wall's view

Revision ID: 0003
Revises: 0001

Adds the tables ``rounds``, ``round_assignments``, ``votes`` and ``live_states``, and to ``contributions``
the columns ``hidden``, ``late``, ``original_text``, ``merged_into_id`` and ``round_id``.

SQLite cannot add a foreign key with ``ALTER TABLE``, and Alembic's batch mode would rebuild
``contributions`` (a DROP TABLE that, with foreign keys on, deletes through every ON DELETE CASCADE that
points at it). So on SQLite the two new reference columns are added with an inline ``REFERENCES`` clause,
which SQLite allows for a column whose default is NULL; PostgreSQL gets named constraints as usual.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("voting", sa.Boolean(), nullable=False),
        sa.Column("dots", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Enum("group", "all", name="votescope", native_enum=False, length=16), nullable=False),
        sa.Column(
            "status",
            sa.Enum("planned", "running", "paused", "ended", name="roundstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("remaining_ms", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_rounds_workshop_id_workshops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
    )
    op.create_index(op.f("ix_rounds_workshop_id"), "rounds", ["workshop_id"], unique=False)

    op.create_table(
        "round_assignments",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("persona_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_assignments_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_round_assignments_group_id_groups"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["persona_id"],
            ["workshop_personas.id"],
            name=op.f("fk_round_assignments_persona_id_workshop_personas"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("round_id", "group_id", name=op.f("pk_round_assignments")),
    )

    # contributions: moderation and rounds
    false = sa.false()
    op.add_column("contributions", sa.Column("hidden", sa.Boolean(), nullable=False, server_default=false))
    op.add_column("contributions", sa.Column("late", sa.Boolean(), nullable=False, server_default=false))
    op.add_column("contributions", sa.Column("original_text", sa.Text(), nullable=True))
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE contributions ADD COLUMN merged_into_id INTEGER "
            "CONSTRAINT fk_contributions_merged_into_id_contributions REFERENCES contributions (id) ON DELETE SET NULL"
        )
        op.execute(
            "ALTER TABLE contributions ADD COLUMN round_id INTEGER "
            "CONSTRAINT fk_contributions_round_id_rounds REFERENCES rounds (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("contributions", sa.Column("merged_into_id", sa.Integer(), nullable=True))
        op.add_column("contributions", sa.Column("round_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_contributions_merged_into_id_contributions"),
            "contributions",
            "contributions",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )
        op.create_foreign_key(
            op.f("fk_contributions_round_id_rounds"), "contributions", "rounds", ["round_id"], ["id"], ondelete="SET NULL"
        )
    op.create_index(op.f("ix_contributions_merged_into_id"), "contributions", ["merged_into_id"], unique=False)

    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_votes_workshop_id_workshops"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_votes_round_id_rounds"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_votes_participant_id_participants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_votes_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("round_id", "participant_id", "contribution_id", name=op.f("uq_votes_round_id")),
    )
    op.create_index(op.f("ix_votes_workshop_id"), "votes", ["workshop_id"], unique=False)
    op.create_index(op.f("ix_votes_round_id"), "votes", ["round_id"], unique=False)
    op.create_index(op.f("ix_votes_participant_id"), "votes", ["participant_id"], unique=False)
    op.create_index(op.f("ix_votes_contribution_id"), "votes", ["contribution_id"], unique=False)

    op.create_table(
        "live_states",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("rotation", sa.Boolean(), nullable=False),
        sa.Column(
            "wall_view",
            sa.Enum("personas", "persona", "ranking", "pause", name="wallview", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("wall_persona_id", sa.Integer(), nullable=True),
        sa.Column("spotlight_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_live_states_workshop_id_workshops"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["wall_persona_id"],
            ["workshop_personas.id"],
            name=op.f("fk_live_states_wall_persona_id_workshop_personas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["spotlight_id"],
            ["contributions.id"],
            name=op.f("fk_live_states_spotlight_id_contributions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("workshop_id", name=op.f("pk_live_states")),
    )


def downgrade() -> None:
    op.drop_table("live_states")
    op.drop_index(op.f("ix_votes_contribution_id"), table_name="votes")
    op.drop_index(op.f("ix_votes_participant_id"), table_name="votes")
    op.drop_index(op.f("ix_votes_round_id"), table_name="votes")
    op.drop_index(op.f("ix_votes_workshop_id"), table_name="votes")
    op.drop_table("votes")
    op.drop_index(op.f("ix_contributions_merged_into_id"), table_name="contributions")
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_contributions_round_id_rounds"), "contributions", type_="foreignkey")
        op.drop_constraint(op.f("fk_contributions_merged_into_id_contributions"), "contributions", type_="foreignkey")
    # SQLite (3.35+) drops a column only when no constraint refers to it; these two carry their own, so
    # they are dropped with the table rebuild Alembic's batch mode does.
    with op.batch_alter_table("contributions") as batch:
        for name in ("round_id", "merged_into_id", "original_text", "late", "hidden"):
            batch.drop_column(name)
    op.drop_table("round_assignments")
    op.drop_index(op.f("ix_rounds_workshop_id"), table_name="rounds")
    op.drop_table("rounds")
