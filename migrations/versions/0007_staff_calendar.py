"""staff calendar: the calendar a staff user reads and types dates in (Gregorian or Solar Hijri)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

Storage stays ISO Gregorian; the setting only changes how dates are shown and typed (issue 9,
docs/i18n.md). The column is added with an inline CHECK in one ``ALTER TABLE ... ADD COLUMN``,
as in 0003: the same statement works on SQLite and PostgreSQL, and existing users read
Gregorian.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Frozen copy of domain.calendars.Calendar at this revision.
_CALENDARS = ("gregorian", "jalali")


def upgrade() -> None:
    allowed = ", ".join(repr(value) for value in _CALENDARS)
    op.execute(
        "ALTER TABLE staff_user ADD COLUMN calendar VARCHAR(10) DEFAULT 'gregorian' NOT NULL "
        f"CONSTRAINT ck_staff_user_calendar_allowed CHECK (calendar IN ({allowed}))"
    )


def downgrade() -> None:
    # The CHECK goes first: SQLite's batch mode copies the table with the constraints it
    # reflects, and a CHECK on a column that is gone would fail the copy.
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_constraint(op.f("ck_staff_user_calendar_allowed"), type_="check")
        batch.drop_column("calendar")
