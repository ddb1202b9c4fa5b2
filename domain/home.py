"""What a staff member's home page shows: the day's figures and which ones ask for action."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HomeFigures:
    active_patients: int
    families_with_consent: int
    questions_awaiting_answer: int
    reports_awaiting_acknowledgement: int
    emergencies_awaiting_acknowledgement: int

    def needs_attention(self) -> bool:
        """Unanswered questions and unacknowledged reports are work left undone for a family."""
        return self.questions_awaiting_answer > 0 or self.reports_awaiting_acknowledgement > 0
