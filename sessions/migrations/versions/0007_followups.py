"""followups: the follow-up register (issue 5)

Revision ID: 0007
Revises: 0004

One of four branches from 0004 developed side by side; 0009 merges them.

Adds the table ``followups`` (sessions/followup.py): items made from solution proposals or written by the
organisers, with a responsible role, a deadline, a status and a note. A new table only, so SQLite needs no
batch mode; the reference to the proposal is ``ON DELETE SET NULL`` (the item keeps a copy of its text).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("persona_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=120), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "achieved", "not_far_enough", "next_focus", name="followupstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_followups_workshop_id_workshops"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["contributions.id"], name=op.f("fk_followups_source_id_contributions"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["persona_id"],
            ["workshop_personas.id"],
            name=op.f("fk_followups_persona_id_workshop_personas"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("source_id", name=op.f("uq_followups_source_id")),
    )
    op.create_index(op.f("ix_followups_workshop_id"), "followups", ["workshop_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_followups_workshop_id"), table_name="followups")
    op.drop_table("followups")
