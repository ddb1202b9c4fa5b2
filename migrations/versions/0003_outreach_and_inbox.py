"""outreach and inbox: clinic answer deadline and working week, tier of an outreach attempt,
answers limited to general information

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Columns are added with inline CHECK constraints in one ``ALTER TABLE ... ADD COLUMN`` each: the
same statement works on SQLite and PostgreSQL, and SQLite needs no table rebuild.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen copies of the vocabularies at this revision: a migration must not change when the
# enums in domain/ grow later.
_DEADLINES = ("one_working_day", "seven_days")
_TIERS = ("urgent", "high", "routine")


def _allowed(column: str, values: tuple[str, ...]) -> str:
    return f"CHECK ({column} IN ({', '.join(repr(v) for v in values)}))"


def upgrade() -> None:
    op.execute(
        "ALTER TABLE clinic ADD COLUMN answer_deadline VARCHAR(20) "
        "DEFAULT 'one_working_day' NOT NULL "
        f"CONSTRAINT ck_clinic_answer_deadline_allowed {_allowed('answer_deadline', _DEADLINES)}"
    )
    op.execute(
        "ALTER TABLE clinic ADD COLUMN working_days VARCHAR(40) "
        "DEFAULT 'mon,tue,wed,thu,fri' NOT NULL"
    )
    op.execute(
        "ALTER TABLE outreach_attempt ADD COLUMN tier VARCHAR(10) "
        f"CONSTRAINT ck_outreach_attempt_tier_allowed {_allowed('tier', _TIERS)}"
    )
    op.execute("ALTER TABLE answer ADD COLUMN general_only BOOLEAN DEFAULT false NOT NULL")
    op.create_index("ix_family_question_patient_open", "family_question",
                    ["patient_id", "answered_at"])


def downgrade() -> None:
    op.drop_index("ix_family_question_patient_open", table_name="family_question")
    with op.batch_alter_table("answer") as batch:
        batch.drop_column("general_only")
    with op.batch_alter_table("outreach_attempt") as batch:
        batch.drop_column("tier")
    with op.batch_alter_table("clinic") as batch:
        batch.drop_column("working_days")
        batch.drop_column("answer_deadline")
