"""What a role's export may carry: the case team's files hold no phone, e-mail or Telegram.

Screens already hide contact details from the case team (``domain.access.sees_contact_details``);
an export is a disclosure that leaves the server (HIPAA minimum necessary, 42 CFR Part 2), so
every file is cut to the same rule before it is written. Contact details are recognised by the
name of the column or field, so a new table that carries a phone is redacted without a new rule:

- a name that contains ``phone``, ``email`` or ``telegram`` once case, spaces, ``-`` and ``_``
  are ignored (``phone``, ``E-mail``, ``member_phone``, ``telegram_chat_id``);
- the outreach worklist's ``reach`` column ("how to reach"), which spells out phones and e-mails.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from domain.access import sees_contact_details
from domain.vocabulary import Role

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

CONTACT_WORDS = ("phone", "email", "telegram")
CONTACT_NAMES = frozenset({"reach", "howtoreach"})
REDACTED_NOTE = "contact details redacted"

D = TypeVar("D", bound="DataclassInstance")


def _plain(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).casefold()


def is_contact_field(name: str) -> bool:
    """Whether a column or field called ``name`` holds a way to reach a person."""
    plain = _plain(name)
    return plain in CONTACT_NAMES or any(word in plain for word in CONTACT_WORDS)


def exported_columns(columns: Iterable[str], role: Role) -> list[str]:
    """The columns a file for ``role`` may carry, in their order."""
    if sees_contact_details(role):
        return list(columns)
    return [column for column in columns if not is_contact_field(column)]


def redact_frame(frame: pd.DataFrame, role: Role) -> pd.DataFrame:
    """``frame`` without its contact columns for the case team; unchanged for other roles."""
    kept = exported_columns([str(column) for column in frame.columns], role)
    if len(kept) == len(frame.columns):
        return frame
    return frame.loc[:, [c for c in frame.columns if str(c) in kept]]


def redact_contacts(item: D, role: Role) -> D:
    """A copy of the dataclass ``item`` with every contact field emptied (None) for the case
    team; ``item`` itself for other roles. Only optional fields may be contact fields."""
    if sees_contact_details(role):
        return item
    cleared: dict[str, Any] = {field.name: None for field in dataclasses.fields(item)
                               if is_contact_field(field.name)}
    return dataclasses.replace(item, **cleared) if cleared else item


def redaction_note(role: Role) -> str:
    """The words an audit summary adds when a file was redacted ("" when it was not)."""
    return "" if sees_contact_details(role) else f" ({REDACTED_NOTE})"
