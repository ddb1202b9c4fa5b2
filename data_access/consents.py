"""SQL form of the consent rule in ``domain.consent``, for counting and filtering in the database.

The expression must agree with ``consent_is_active``; tests check both on the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from data_access.models import Consent, SupportMember


def active_consent_clause(on: date) -> ColumnElement[bool]:
    return and_(
        Consent.signed_on <= on,
        or_(Consent.expires_on.is_(None), Consent.expires_on >= on),
        or_(Consent.revoked_on.is_(None), Consent.revoked_on > on),
    )


@dataclass(frozen=True)
class ActiveConsent:
    consent_id: int
    member_id: int
    member_code: str
    scope: str
    signed_on: date
    expires_on: date | None


def active_consents(session: Session, *, patient_id: int, on: date) -> list[ActiveConsent]:
    """The patient's consents active on ``on``, one row each, for recording a revocation."""
    rows = session.execute(
        select(Consent.id, Consent.member_id, SupportMember.code, Consent.scope,
               Consent.signed_on, Consent.expires_on)
        .join(SupportMember, SupportMember.id == Consent.member_id)
        .where(Consent.patient_id == patient_id, active_consent_clause(on))
        .order_by(SupportMember.code, Consent.signed_on)
    ).all()
    return [ActiveConsent(*row) for row in rows]
