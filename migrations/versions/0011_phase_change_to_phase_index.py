"""index phase changes by the phase entered and their day

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26

The navigation badge's urgent count lists, once, the patients whose taper ended in the last
``post_discharge_days`` (a change from taper to aftercare), instead of seeking each patient's
changes: without an index that list read every phase change of the network (issue #8,
bench/README.md). (to_phase, changed_on) reads only the recent changes to aftercare.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_phase_change_to_phase_date", "phase_change", ["to_phase", "changed_on"])


def downgrade() -> None:
    op.drop_index("ix_phase_change_to_phase_date", table_name="phase_change")
