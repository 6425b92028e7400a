"""followup_status_changes: the status history of follow-up items, and review meetings (issue 15)

Revision ID: 0014
Revises: 0010

One of four branches from 0010 developed side by side (templates 0011, series 0012, local cases 0013, this);
a later revision merges them.

Adds the table ``followup_status_changes`` (sessions/followup/models.py): one row per change of an item's
status, and per item a review meeting assessed. Items that exist already get no history: what happened
before is not known. A new table only, so SQLite needs no batch mode.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None

_STATUS = ("open", "achieved", "not_far_enough", "next_focus")


def upgrade() -> None:
    op.create_table(
        "followup_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.Enum(*_STATUS, name="followupstatus", native_enum=False, length=16), nullable=True),
        sa.Column("to_status", sa.Enum(*_STATUS, name="followupstatus", native_enum=False, length=16), nullable=False),
        sa.Column("meeting", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followups.id"],
            name=op.f("fk_followup_status_changes_followup_id_followups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_followup_status_changes_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_status_changes")),
    )
    op.create_index(
        op.f("ix_followup_status_changes_followup_id"), "followup_status_changes", ["followup_id"], unique=False
    )
    op.create_index(
        op.f("ix_followup_status_changes_workshop_id"), "followup_status_changes", ["workshop_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_followup_status_changes_workshop_id"), table_name="followup_status_changes")
    op.drop_index(op.f("ix_followup_status_changes_followup_id"), table_name="followup_status_changes")
    op.drop_table("followup_status_changes")
