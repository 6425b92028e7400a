"""tags_roles: tag vocabulary per workshop, contribution tags and participant roles (issue 5)

Revision ID: 0005
Revises: 0004

One of four branches from 0004 developed side by side; 0009 merges them.

Adds the tables ``tags`` (each workshop's vocabulary) and ``contribution_tags``, and the column
``participants.role``. Every workshop that exists gets the built-in vocabulary (a frozen copy of
``sessions.tags.DEFAULT_VOCABULARY`` as it was in this revision); new workshops get it when they are
inserted (``sessions/tags.py``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DEFAULT_VOCABULARY = {
    "measure": (
        "kurs",
        "e-læring",
        "fagdag/seminar",
        "samlingsbasert utdanning",
        "videreutdanning",
        "lederopplæring",
        "fagbrev/lærling",
        "hospitering",
        "jobbrotasjon",
        "mentor/veiledning",
        "nettverk",
        "erfaringsdeling/refleksjon",
        "introduksjon for nyansatte",
        "praksis/trainee",
        "rekruttering",
        "stipend/permisjon",
        "organisatorisk grep",
    ),
    "level": ("individ", "gruppe/avdeling", "organisasjon", "interkommunalt"),
    "need": ("anskaffe", "utvikle", "mobilisere", "avvikle"),
}


def upgrade() -> None:
    tags = op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_tags_workshop_id_workshops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("workshop_id", "category", "label", name=op.f("uq_tags_workshop_id")),
    )
    op.create_index(op.f("ix_tags_workshop_id"), "tags", ["workshop_id"], unique=False)

    op.create_table(
        "contribution_tags",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contributions.id"],
            name=op.f("fk_contribution_tags_contribution_id_contributions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_contribution_tags_tag_id_tags"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contribution_id", "tag_id", name=op.f("pk_contribution_tags")),
    )
    op.create_index(op.f("ix_contribution_tags_tag_id"), "contribution_tags", ["tag_id"], unique=False)

    # A plain nullable column: ADD COLUMN on SQLite too (no table rebuild).
    op.add_column("participants", sa.Column("role", sa.String(length=16), nullable=True))

    # The built-in vocabulary for the workshops that already exist.
    conn = op.get_bind()
    workshop_ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM workshops ORDER BY id"))]
    rows = [
        {"workshop_id": ws_id, "category": category, "label": label, "position": position}
        for ws_id in workshop_ids
        for category, labels in DEFAULT_VOCABULARY.items()
        for position, label in enumerate(labels)
    ]
    if rows:
        op.bulk_insert(tags, rows)


def downgrade() -> None:
    # Not batch mode: on SQLite that rebuilds the table, and dropping it would cascade to contributions.
    op.execute("ALTER TABLE participants DROP COLUMN role")
    op.drop_index(op.f("ix_contribution_tags_tag_id"), table_name="contribution_tags")
    op.drop_table("contribution_tags")
    op.drop_index(op.f("ix_tags_workshop_id"), table_name="tags")
    op.drop_table("tags")
