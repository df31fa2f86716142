"""The hash chains of the stations' records checked as they arrive: the last entry of each
chain (chain_heads) and the entries refused for breaking it (chain_breaks). The heads of the
chains already on the server are taken from the rows stored.

Revision ID: 0003
Revises: 0002
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    heads = op.create_table(
        "chain_heads",
        sa.Column("table_name", sa.String(64), primary_key=True),
        sa.Column("station_code", sa.String(32), primary_key=True),
        sa.Column("owner_station", sa.String(32), primary_key=True),
        sa.Column("chain_seq", sa.BigInteger, nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "chain_breaks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("station_code", sa.String(32), nullable=False),
        sa.Column("owner_station", sa.String(32)),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("chain_seq", sa.BigInteger),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_index("chain_breaks_station", "chain_breaks", ["station_code", "id"])
    # Rows stored before the check: each PC's chain carries its owner station's code.
    found: dict[tuple[str, str], tuple[int, str]] = {}
    result = op.get_bind().execute(
        sa.text(
            "SELECT table_name, fields FROM rows WHERE table_name IN ('audit_log', 'case_events')"
        )
    )
    for table, text in result:
        fields = json.loads(text)
        seq, digest, owner = (fields.get(k) for k in ("chain_seq", "row_hash", "owner_station"))
        if not (isinstance(seq, int) and isinstance(digest, str) and isinstance(owner, str)):
            continue
        if seq > found.get((table, owner), (0, ""))[0]:
            found[(table, owner)] = (seq, digest)
    if found:
        op.bulk_insert(
            heads,
            [
                {
                    "table_name": table,
                    "station_code": owner,
                    "owner_station": owner,
                    "chain_seq": seq,
                    "row_hash": digest,
                }
                for (table, owner), (seq, digest) in found.items()
            ],
        )


def downgrade() -> None:
    op.drop_index("chain_breaks_station", table_name="chain_breaks")
    op.drop_table("chain_breaks")
    op.drop_table("chain_heads")
