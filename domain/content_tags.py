"""The tailoring tags of a content module: who and what a module is for.

A module is tagged with the relations, patient sex, substances, medications, dose band, phases
and living situations it suits, and with its topics. ``any`` in a list means "not specific";
an empty list is read as ``any``. The tags are stored as JSON on ``content_module.tags`` and
written as ``;``-separated lists in the library CSV, so both go through :func:`parse_tags`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from domain.vocabulary import Medication, Phase, Relation, Sex, values

ANY = "any"


class DoseBand(StrEnum):
    LOW = "low"
    STANDARD = "standard"
    HIGH = "high"


# Dose bands per medication, in mg: below LOW is "low", at or above HIGH is "high". Methadone
# under 60 mg is linked to shorter retention (CLINICAL.md, "dose adequacy").
DOSE_BAND_LIMITS: dict[Medication, tuple[float, float]] = {
    Medication.METHADONE: (60.0, 120.0),
    Medication.BUPRENORPHINE: (8.0, 24.0),
}

LIVING_SITUATIONS = ("with_family", "with_partner", "alone", "unstable_housing")

TOPICS = (
    "what_is_mat",
    "overdose_and_naloxone",
    "relapse_prevention",
    "communication",
    "self_care_for_families",
    "taper_support",
    "hepatitis_and_hiv",
    "emergency_plan",
)

_SUBSTANCE = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,39}$")


class TagError(ValueError):
    """A tag list with an unknown value; the message names the tag and the allowed values."""


@dataclass(frozen=True)
class ContentTags:
    """Each field is a tuple of allowed values, or ``("any",)``; ``dose_band`` is one value."""

    relations: tuple[str, ...] = (ANY,)
    sexes: tuple[str, ...] = (ANY,)
    substances: tuple[str, ...] = (ANY,)
    medications: tuple[str, ...] = (ANY,)
    dose_band: str = ANY
    phases: tuple[str, ...] = (ANY,)
    living_situations: tuple[str, ...] = (ANY,)
    topics: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "relations": list(self.relations),
            "sexes": list(self.sexes),
            "substances": list(self.substances),
            "medications": list(self.medications),
            "dose_band": self.dose_band,
            "phases": list(self.phases),
            "living_situations": list(self.living_situations),
            "topics": list(self.topics),
        }


# The allowed values of each list tag; None means free text checked by a pattern (substances).
ALLOWED: dict[str, tuple[str, ...] | None] = {
    "relations": tuple(values(Relation)),
    "sexes": tuple(values(Sex)),
    "substances": None,
    "medications": tuple(values(Medication)),
    "phases": tuple(p for p in values(Phase) if p != Phase.DISCHARGED.value),
    "living_situations": LIVING_SITUATIONS,
    "topics": TOPICS,
}
TAG_NAMES = (*ALLOWED, "dose_band")


def _as_list(raw: object) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [part for part in (p.strip() for p in raw.split(";")) if part]
    if isinstance(raw, Iterable):
        return [str(part).strip() for part in raw if str(part).strip()]
    raise TagError(f"expected a list of values, got {raw!r}")


def _checked(name: str, raw: object) -> tuple[str, ...]:
    """The canonical values of one list tag (sexes stay upper case, the rest lower case)."""
    items = [item.lower() for item in _as_list(raw)]
    if name == "topics":
        if ANY in items:
            raise TagError("topics: name the topics; 'any' is not a topic")
    elif not items or ANY in items:
        if len(set(items)) > 1:
            raise TagError(f"{name}: 'any' cannot be combined with other values")
        return (ANY,)
    allowed = ALLOWED[name]
    canonical: list[str] = []
    for item in items:
        if allowed is None:
            if not _SUBSTANCE.match(item):
                raise TagError(f"{name}: {item!r} is not a substance name (letters, digits, _ -)")
            canonical.append(item)
            continue
        by_lower = {value.lower(): value for value in allowed}
        if item not in by_lower:
            extra = "" if name == "topics" else ", any"
            raise TagError(f"{name}: unknown value {item!r}; allowed: {', '.join(allowed)}{extra}")
        canonical.append(by_lower[item])
    return tuple(dict.fromkeys(canonical))


def parse_tags(raw: Mapping[str, object]) -> ContentTags:
    """Tags from stored JSON or CSV cells (lists, or ``;``-separated text); unknown names or
    values raise :class:`TagError` so a typo never silently widens a module's audience."""
    unknown = sorted(set(raw) - set(TAG_NAMES))
    if unknown:
        raise TagError(f"unknown tag {unknown[0]!r}; tags are {', '.join(TAG_NAMES)}")
    band = str(raw.get("dose_band") or ANY).strip().lower()
    if band != ANY and band not in values(DoseBand):
        raise TagError(f"dose_band: unknown value {band!r}; allowed: "
                       f"{', '.join(values(DoseBand))}, any")
    return ContentTags(
        relations=_checked("relations", raw.get("relations")),
        sexes=_checked("sexes", raw.get("sexes")),
        substances=_checked("substances", raw.get("substances")),
        medications=_checked("medications", raw.get("medications")),
        dose_band=band,
        phases=_checked("phases", raw.get("phases")),
        living_situations=_checked("living_situations", raw.get("living_situations")),
        topics=_checked("topics", raw.get("topics")),
    )


def dose_band(medication: Medication | str, dose_mg: float) -> DoseBand:
    """The patient's dose band; a medication without limits (naltrexone) is always standard."""
    limits = DOSE_BAND_LIMITS.get(Medication(medication))
    if limits is None:
        return DoseBand.STANDARD
    low, high = limits
    if dose_mg < low:
        return DoseBand.LOW
    if dose_mg >= high:
        return DoseBand.HIGH
    return DoseBand.STANDARD
