"""Who may open which screen: the one table that navigation and every page's guard consult.

Roles see only what they need (HIPAA minimum necessary): the case team reads but does not
administer, psychologists work with families, admins run the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.vocabulary import Role

ALL_ROLES = frozenset(Role)
# The roles that call families, answer their questions and acknowledge their reports.
FAMILY_WORK = frozenset({Role.SUPERVISOR, Role.PSYCHOLOGIST})
# The clinical roles that meet to review cases; the case team joins to read.
CASE_REVIEW = frozenset({Role.SUPERVISOR, Role.PSYCHOLOGIST, Role.CASE_TEAM})
# The roles that record a meeting's decisions and own the action items they create.
ACTION_OWNERS = FAMILY_WORK


@dataclass(frozen=True)
class PageAccess:
    key: str
    path: str
    title: str
    icon: str
    roles: frozenset[Role]
    section: str = "Clinic"


PAGES: tuple[PageAccess, ...] = (
    PageAccess("home", "pages/home.py", "Home", ":material/home:", ALL_ROLES),
    PageAccess("patients", "pages/patients.py", "Patients", ":material/groups:", ALL_ROLES),
    PageAccess("patient_record", "pages/patient_record.py", "Patient record",
               ":material/clinical_notes:", ALL_ROLES),
    PageAccess("outreach", "pages/outreach.py", "Outreach", ":material/call:", FAMILY_WORK),
    PageAccess("inbox", "pages/inbox.py", "Inbox", ":material/inbox:", FAMILY_WORK),
    PageAccess("overview", "pages/overview.py", "Overview", ":material/monitoring:",
               frozenset({Role.SUPERVISOR, Role.CASE_TEAM, Role.ADMIN})),
    PageAccess("case_meeting", "pages/case_meeting.py", "Case meeting", ":material/co_present:",
               CASE_REVIEW),
    PageAccess("assign_content", "pages/assign_content.py", "Assign content",
               ":material/forward_to_inbox:", FAMILY_WORK),
    PageAccess("content_library", "pages/content_library.py", "Content library",
               ":material/video_library:", frozenset({Role.PSYCHOLOGIST, Role.ADMIN})),
    PageAccess("account", "pages/account.py", "My account", ":material/person:", ALL_ROLES,
               section="Account"),
    PageAccess("users", "pages/users.py", "Staff users", ":material/group:",
               frozenset({Role.ADMIN}), section="Administration"),
    PageAccess("data_import", "pages/data_import.py", "Import", ":material/upload_file:",
               frozenset({Role.ADMIN}), section="Administration"),
    PageAccess("audit_log", "pages/audit_log.py", "Audit log", ":material/policy:",
               frozenset({Role.ADMIN}), section="Administration"),
)

PAGES_BY_KEY = {page.key: page for page in PAGES}


def sees_contact_details(role: Role) -> bool:
    """The case team reviews treatment, it does not call families: no phones or e-mails."""
    return role is not Role.CASE_TEAM


def may_enter_records(role: Role) -> bool:
    """Doses, screens and new members are entered by clinical staff, not by the case team."""
    return role in {Role.SUPERVISOR, Role.PSYCHOLOGIST, Role.ADMIN}


def sees_emergency_details(role: Role) -> bool:
    """Clinical roles see which patient an emergency is about; admins see only the count."""
    return role is not Role.ADMIN


def may_assign_content(role: Role) -> bool:
    """Psychologists and supervisors send modules to families; the case team only reads."""
    return role in FAMILY_WORK


def may_change_phase(role: Role) -> bool:
    """Stepping treatment up or down is a supervisor's clinical decision."""
    return role is Role.SUPERVISOR


def may_record_decisions(role: Role) -> bool:
    """Starting a case meeting and recording its decisions is clinical work: supervisors and
    psychologists. The case team reads the meeting and its minutes."""
    return role in ACTION_OWNERS


def may_complete_action(role: Role, *, user_id: int, owner_id: int) -> bool:
    """The owner marks an own action item done; a supervisor may mark any item done."""
    return role is Role.SUPERVISOR or (role in ACTION_OWNERS and user_id == owner_id)


def can_view(role: Role, page_key: str) -> bool:
    page = PAGES_BY_KEY.get(page_key)
    return page is not None and role in page.roles


def pages_for(role: Role) -> list[PageAccess]:
    return [page for page in PAGES if role in page.roles]


def idle_expired(last_activity: datetime, now: datetime, timeout: timedelta) -> bool:
    """Automatic logoff (45 CFR 164.312(a)(2)(iii); ASVS 3.3.2: at most 30 minutes)."""
    return now - last_activity >= timeout
