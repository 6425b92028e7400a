"""Workshop templates («maler», issue 15): the template library and which template a workshop came from.

Revision ID: 0011
Revises: 0010

``workshop_templates`` holds each template's snapshot as JSON documents (sessions/workshop_templates/models.py);
``workshops.template_id`` names the template a workshop was made from (SET NULL when it is deleted). On SQLite
the reference column is added with an inline ``REFERENCES`` clause, as in 0003: no rebuild of ``workshops``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshop_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("builtin_key", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("personas", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("rounds", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_workshop_templates_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_templates")),
        sa.UniqueConstraint("builtin_key", name=op.f("uq_workshop_templates_builtin_key")),
    )
    op.create_index(op.f("ix_workshop_templates_owner_id"), "workshop_templates", ["owner_id"], unique=False)
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE workshops ADD COLUMN template_id INTEGER "
            "CONSTRAINT fk_workshops_template_id_workshop_templates REFERENCES workshop_templates (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("workshops", sa.Column("template_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_workshops_template_id_workshop_templates"),
            "workshops",
            "workshop_templates",
            ["template_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_workshops_template_id_workshop_templates"), "workshops", type_="foreignkey")
        op.drop_column("workshops", "template_id")
    else:
        # The column carries its own constraint, so SQLite drops it only with a table rebuild (batch mode).
        with op.batch_alter_table("workshops") as batch:
            batch.drop_column("template_id")
    op.drop_index(op.f("ix_workshop_templates_owner_id"), table_name="workshop_templates")
    op.drop_table("workshop_templates")
