"""overview snapshots: Overviews counted ahead by the worker, shared by every dashboard

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

Counting a network's Overview takes seconds (issue #8, bench/README.md); the worker counts the
Overviews staff open by default and a page reads the stored frames
(``data_access.overview_snapshots``). A cache in the database rather than in one process, so
that a restart or another replica behind the proxy finds it too. The unique key is also the
index of the page's lookup.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overview_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clinics", sa.String(400), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("calendar", sa.String(10), nullable=False),
        sa.Column("settings_digest", sa.String(64), nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.Column("count_seconds", sa.Float(), nullable=False),
        sa.Column("frames", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("clinics", "as_of", "period_start", "period_end", "calendar",
                            "settings_digest", name="uq_overview_snapshot_key"),
    )


def downgrade() -> None:
    op.drop_table("overview_snapshot")
