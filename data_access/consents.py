"""SQL form of the consent rule in ``domain.consent``, for counting and filtering in the database.

The expression must agree with ``consent_is_active``; tests check both on the same rows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, or_

from data_access.models import Consent


def active_consent_clause(on: date) -> ColumnElement[bool]:
    return and_(
        Consent.signed_on <= on,
        or_(Consent.expires_on.is_(None), Consent.expires_on >= on),
        or_(Consent.revoked_on.is_(None), Consent.revoked_on > on),
    )
