"""An index of the public entries of the order of events, so that a pull reads its scope by
index range scans instead of filtering the whole log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "changes_public",
        "changes",
        ["seq"],
        postgresql_where=sa.text("public"),
        sqlite_where=sa.text("public"),
    )


def downgrade() -> None:
    op.drop_index("changes_public", table_name="changes")
