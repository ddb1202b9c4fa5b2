"""The closed vocabularies Hamrah shares between the database, the importers and the rules.

Each is a ``StrEnum`` so that the stored value, the import value and the code value are the same
string; the database enforces the same lists with CHECK constraints built from these enums.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    PSYCHOLOGIST = "psychologist"
    CASE_TEAM = "case_team"


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    OTHER = "X"


class Medication(StrEnum):
    METHADONE = "methadone"
    BUPRENORPHINE = "buprenorphine"
    NALTREXONE = "naltrexone"


class Phase(StrEnum):
    """Treatment steps in clinical order; ``discharged`` ends an episode."""

    INDUCTION = "induction"
    STABILISATION = "stabilisation"
    MAINTENANCE = "maintenance"
    TAPER = "taper"
    AFTERCARE = "aftercare"
    DISCHARGED = "discharged"


class DoseStatus(StrEnum):
    TAKEN = "taken"
    MISSED = "missed"


class DoseKind(StrEnum):
    OBSERVED = "observed"
    TAKE_HOME = "take_home"


class ScreenResult(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


class Relation(StrEnum):
    MOTHER = "mother"
    FATHER = "father"
    SPOUSE = "spouse"
    PARTNER = "partner"
    SIBLING = "sibling"
    CHILD = "child"
    OTHER_RELATIVE = "other_relative"
    FRIEND = "friend"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    EMAIL = "email"
    PHONE_CALL = "phone_call"


class ConsentScope(StrEnum):
    """What a patient lets the clinic disclose to a member (42 CFR 2.31 'specific description')."""

    EDUCATION = "education"
    EDUCATION_PROGRESS = "education+progress"
    ALL = "all"


class ContentKind(StrEnum):
    AUDIO = "audio"
    VIDEO = "video"
    TEXT = "text"
    LINK = "link"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    COMPLETED = "completed"
    FAILED = "failed"
    BLOCKED_NO_CONSENT = "blocked_no_consent"
    CANCELLED_CONSENT_REVOKED = "cancelled_consent_revoked"


class EngagementKind(StrEnum):
    OPENED = "opened"
    COMPLETED = "completed"
    REPLIED = "replied"
    ASKED_QUESTION = "asked_question"
    REPORTED = "reported"
    ATTENDED_SESSION = "attended_session"


class ReportSeverity(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class OutreachOutcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    DECLINED = "declined"
    MESSAGE_SENT = "message_sent"


class AuditAction(StrEnum):
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    EXPORT = "export"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"
    LOGOUT = "logout"
    IDLE_LOGOFF = "idle_logoff"
    USER_ADMIN = "user_admin"


def values(enum: type[StrEnum]) -> list[str]:
    """The stored strings of an enumeration, in declaration order."""
    return [member.value for member in enum]


# Screen substances that show opioid use other than a prescribed medication; a positive for the
# patient's own methadone or buprenorphine is marked ``expected`` by the lab or the importer.
OPIOID_SCREEN_SUBSTANCES = frozenset(
    {"opioids", "morphine", "heroin", "6-mam", "fentanyl", "oxycodone", "tramadol", "opium",
     "codeine", "methadone", "buprenorphine"}
)
