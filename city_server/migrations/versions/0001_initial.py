"""The first schema: stations, tokens, batches, rows, changes, conflicts, rejected, attachments.

Frozen history: written out here, never built from the live table definitions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    server_state = op.create_table(
        "server_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(server_state, [{"id": 1, "last_seq": 0}])
    op.create_table(
        "stations",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(32)),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("enrol_code_hash", sa.String(64)),
        sa.Column("enrol_code_expires", sa.String(32)),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("station_code", sa.String(32), nullable=False, index=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32)),
    )
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(36), primary_key=True),
        sa.Column("station_code", sa.String(32), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("received_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "rows",
        sa.Column("table_name", sa.String(64), primary_key=True),
        sa.Column("row_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64)),
        sa.Column("owner_station", sa.String(32)),
        sa.Column("scope_station", sa.String(32)),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("field_versions", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False),
    )
    op.create_index("rows_case", "rows", ["case_id"])
    op.create_index("rows_row_id", "rows", ["row_id"])
    op.create_index("rows_scope", "rows", ["table_name", "scope_station"])
    op.create_table(
        "changes",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("origin_station", sa.String(32), nullable=False),
        sa.Column("scope_station", sa.String(32)),
        sa.Column("owner_station", sa.String(32)),
        sa.Column("case_id", sa.String(64)),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("row_version", sa.Integer, nullable=False),
        sa.Column("txid", sa.String(80), nullable=False),
    )
    op.create_index("changes_scope", "changes", ["scope_station", "seq"])
    op.create_index("changes_case", "changes", ["case_id", "seq"])
    op.create_table(
        "case_readers",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("station_code", sa.String(32), primary_key=True),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(64)),
        sa.Column("owner_station", sa.String(32)),
        sa.Column("kept", sa.Text),
        sa.Column("lost", sa.Text),
        sa.Column("kept_station", sa.String(32), nullable=False),
        sa.Column("lost_station", sa.String(32), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("resolved_by", sa.String(32)),
        sa.Column("resolved_at", sa.String(32)),
        sa.Column("resolution_note", sa.Text),
    )
    op.create_index("conflicts_owner", "conflicts", ["owner_station", "id"])
    op.create_table(
        "rejected",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("station_code", sa.String(32), nullable=False),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("change_index", sa.Integer, nullable=False),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("change", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_index("rejected_station", "rejected", ["station_code", "id"])
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("received", sa.BigInteger, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("uploaded_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "attachment_chunks",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("offset", sa.BigInteger, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "attachment_cases",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), primary_key=True),
    )
