"""Tailored recommendations: which education modules to send next to one support member.

For one patient and one member of their family, :func:`recommend` picks the content modules
whose tags (:mod:`domain.content_tags`) fit both and ranks them, each with the reasons in words
that a psychologist can read out to check the choice. The data layer builds the profiles and the
candidate list; the page only shows the answer.

Rules, in the order they apply:

1. Never recommended: a retired module; a module the member completed; a module pending for
   the member (assigned, neither completed nor cancelled: sending it twice helps nobody); a
   module in another language than the member's (a member reads only his or her language, so
   a Persian reader never gets an English module, however well it fits).
2. A hard mismatch excludes the module. A tag left at ``any`` fits everyone; a specific tag must
   include the member's relation, the patient's sex, medication and phase; a specific
   ``dose_band`` must equal :func:`domain.content_tags.dose_band` of the patient's medication and
   dose; specific living situations must include the patient's (a patient whose living
   situation is unknown fits only ``any``); specific substances must name at least one of the
   patient's primary or co-used substances (compared in lower case).
3. Each tag that fits scores :data:`SPECIFIC_MATCH_POINTS` when it is specific and
   :data:`ANY_MATCH_POINTS` when it is ``any``, so a module written for this family outranks a
   general one. Each specific match gives a reason ("for spouses", "matches phase: taper",
   "for methadone", "dose band: high", "about heroin", "for women in treatment", "living
   situation: alone"); the module's language is always the last reason and scores nothing.
4. Topics that matter now come first. The highest overdose risk comes after missed doses (lost
   tolerance) and at the end of a taper (CLINICAL.md, "highest overdose risk": reach the family
   with naloxone and emergency information), and the family needs to know what MAT is when
   treatment starts. Each situation below that applies adds a bonus to a module with one of its
   topics: :data:`PRIORITY_TOPIC_BONUS` for a main topic, :data:`SUPPORTING_TOPIC_BONUS` for a
   supporting one (the better of the two when the module has both), with one reason that names
   the topic. Both bonuses are larger than any match score, so these modules rank above every
   other; a module that answers two situations (naloxone while tapering with missed doses) adds
   both bonuses.

   - phase induction: what_is_mat.
   - phase taper, or ``taper_ended_recently`` (aftercare within 30 days of the end of a taper,
     decided by the data layer): relapse_prevention and overdose_and_naloxone; taper_support.
   - flag ``overdose_risk_tolerance`` (missed doses; CLINICAL.md, "missed methadone doses"):
     emergency_plan; overdose_and_naloxone.

5. Highest score first; equal scores by module code (then id), so the order never depends on
   the order of the input. ``limit`` keeps the first ``limit`` modules.

Every sentence goes through :func:`domain.text.t`, so the reasons follow the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from domain.content_tags import ANY, ContentTags, dose_band
from domain.signals import Flag
from domain.text import t
from domain.vocabulary import Medication, Phase

# A tag written for this patient or member says more than one left at "any".
SPECIFIC_MATCH_POINTS = 10
# "any" still fits, so it counts a little; with seven tags per module it only lifts every score.
ANY_MATCH_POINTS = 1
# The seven tags compared in rule 2: the most a module can score without a topic bonus.
MAX_MATCH_POINTS = 7 * SPECIFIC_MATCH_POINTS
# A main topic of a situation of rule 4 (e.g. emergency_plan after missed doses): above any match.
PRIORITY_TOPIC_BONUS = 1000
# A supporting topic of the same situation (e.g. taper_support while tapering): above any match
# score too, below a main topic.
SUPPORTING_TOPIC_BONUS = 500


@dataclass(frozen=True)
class PatientProfile:
    """What tailoring needs to know about the patient.

    ``sex`` is "F", "M" or "X"; ``flags`` holds the codes of the patient's current flags
    (``domain.signals.Flag``); ``taper_ended_recently`` means a taper -> aftercare change in the
    last 30 days, as the data layer decides.
    """

    sex: str
    primary_substance: str
    co_used_substances: tuple[str, ...]
    medication: Medication
    dose_mg: float
    phase: Phase
    living_situation: str | None
    flags: frozenset[str]
    taper_ended_recently: bool

    def __post_init__(self) -> None:
        if not math.isfinite(self.dose_mg) or self.dose_mg < 0:
            raise ValueError(f"dose_mg: {self.dose_mg!r} is not a dose in mg (0 or more)")

    def substances(self) -> frozenset[str]:
        """The primary and co-used substances, in lower case."""
        names = (self.primary_substance, *self.co_used_substances)
        return frozenset(name.strip().lower() for name in names if name.strip())


@dataclass(frozen=True)
class MemberProfile:
    """The support member who would receive the modules; pending modules are assigned and
    neither completed nor cancelled."""

    member_id: int
    relation: str
    language: str
    completed_module_ids: frozenset[int]
    pending_module_ids: frozenset[int]


@dataclass(frozen=True)
class ModuleCandidate:
    """One module of the content library, with its tailoring tags."""

    module_id: int
    code: str
    title: str
    kind: str
    language: str
    retired: bool
    tags: ContentTags


@dataclass(frozen=True)
class Recommendation:
    """One recommended module: its score and the reasons, most important first."""

    module_id: int
    code: str
    title: str
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _Situation:
    """A situation of rule 4: when it applies, its topics and the sentence that names one."""

    sentence: str
    main_topics: tuple[str, ...]
    supporting_topics: tuple[str, ...]


_INDUCTION = _Situation("recommended in induction: {topic}", ("what_is_mat",), ())
_TAPER = _Situation(
    "recommended in taper: {topic}",
    ("relapse_prevention", "overdose_and_naloxone"),
    ("taper_support",),
)
_TAPER_ENDED = _Situation(
    "taper ended recently, highest overdose risk: {topic}",
    _TAPER.main_topics,
    _TAPER.supporting_topics,
)
_MISSED_DOSES = _Situation(
    "after missed doses: {topic}", ("emergency_plan",), ("overdose_and_naloxone",)
)

_TOPIC_LABELS = {
    "what_is_mat": "what MAT is and what to expect",
    "overdose_and_naloxone": "overdose and naloxone",
    "relapse_prevention": "relapse prevention",
    "communication": "communication",
    "self_care_for_families": "self-care for families",
    "taper_support": "taper support",
    "hepatitis_and_hiv": "hepatitis and HIV",
    "emergency_plan": "emergency plan",
}

_RELATION_REASONS = {
    "mother": "for mothers",
    "father": "for fathers",
    "spouse": "for spouses",
    "partner": "for partners",
    "sibling": "for siblings",
    "child": "for children",
    "other_relative": "for other relatives",
    "friend": "for friends",
}

_SEX_REASONS = {
    "F": "for women in treatment",
    "M": "for men in treatment",
    "X": "for patients of another sex",
}

_MEDICATION_REASONS = {
    Medication.METHADONE: "for methadone",
    Medication.BUPRENORPHINE: "for buprenorphine",
    Medication.NALTREXONE: "for naltrexone",
}

_PHASE_LABELS = {
    Phase.INDUCTION: "induction",
    Phase.STABILISATION: "stabilisation",
    Phase.MAINTENANCE: "maintenance",
    Phase.TAPER: "taper",
    Phase.AFTERCARE: "aftercare",
    Phase.DISCHARGED: "discharged",
}

# Whole reasons, not a band word put into "dose band: {band}": a bare "high" is also the
# outreach tier's message (domain.outreach.Tier), and Persian says an urgency and a dose level
# differently (اولویت بالا, دوز بالا).
_DOSE_BAND_REASONS = {"low": "dose band: low", "standard": "dose band: standard",
                      "high": "dose band: high"}

_LIVING_LABELS = {
    "with_family": "with family",
    "with_partner": "with partner",
    "alone": "alone",
    "unstable_housing": "unstable housing",
}

_LANGUAGE_REASONS = {"fa": "in Persian", "en": "in English"}


def _situations(patient: PatientProfile) -> list[_Situation]:
    """The situations of rule 4 that apply to the patient now, most acute first."""
    found: list[_Situation] = []
    if Flag.OVERDOSE_RISK_TOLERANCE.value in patient.flags:
        found.append(_MISSED_DOSES)
    if patient.phase == Phase.TAPER:
        found.append(_TAPER)
    elif patient.taper_ended_recently:
        found.append(_TAPER_ENDED)
    if patient.phase == Phase.INDUCTION:
        found.append(_INDUCTION)
    return found


def _topic_bonus(situation: _Situation, topics: tuple[str, ...]) -> tuple[int, str] | None:
    """The bonus and reason a module with ``topics`` earns in ``situation``, if any."""
    for points, wanted in (
        (PRIORITY_TOPIC_BONUS, situation.main_topics),
        (SUPPORTING_TOPIC_BONUS, situation.supporting_topics),
    ):
        for topic in wanted:
            if topic in topics:
                return points, t(situation.sentence, topic=t(_TOPIC_LABELS[topic]))
    return None


def _is_any(values: tuple[str, ...]) -> bool:
    return not values or ANY in values


def _lower(values: tuple[str, ...]) -> set[str]:
    return {value.strip().lower() for value in values}


def _language_reason(language: str) -> str:
    known = _LANGUAGE_REASONS.get(language)
    return t(known) if known is not None else t("in {language}", language=language)


def _is_offered(member: MemberProfile, module: ModuleCandidate) -> bool:
    """Rule 1: the module is current, new to the member and in the member's language."""
    return not (
        module.retired
        or module.module_id in member.completed_module_ids
        or module.module_id in member.pending_module_ids
        or module.language.strip().lower() != member.language.strip().lower()
    )


def _tag_matches(
    patient: PatientProfile, member: MemberProfile, tags: ContentTags
) -> list[str | None] | None:
    """Rules 2 and 3: None when a specific tag excludes the module; otherwise, per tag, the
    reason of a specific match or None for a tag left at ``any``."""
    matches: list[str | None] = []
    # The data layer may hand over plain strings; an unknown value raises here, loudly.
    phase = Phase(patient.phase)
    medication = Medication(patient.medication)

    relation = member.relation.strip().lower()
    if _is_any(tags.relations):
        matches.append(None)
    elif relation in _lower(tags.relations):
        matches.append(t(_RELATION_REASONS.get(relation, "for relation: {relation}"),
                         relation=relation))
    else:
        return None

    if _is_any(tags.phases):
        matches.append(None)
    elif phase.value in _lower(tags.phases):
        matches.append(t("matches phase: {phase}", phase=t(_PHASE_LABELS[phase])))
    else:
        return None

    if _is_any(tags.medications):
        matches.append(None)
    elif medication.value in _lower(tags.medications):
        matches.append(t(_MEDICATION_REASONS[medication]))
    else:
        return None

    band = dose_band(medication, patient.dose_mg)
    if tags.dose_band.strip().lower() in ("", ANY):
        matches.append(None)
    elif tags.dose_band.strip().lower() == band.value:
        matches.append(t(_DOSE_BAND_REASONS[band.value]))
    else:
        return None

    if _is_any(tags.substances):
        matches.append(None)
    else:
        own = patient.substances()
        named = dict.fromkeys(value.strip().lower() for value in tags.substances)
        shared = [name for name in named if name in own]
        if not shared:
            return None
        matches.append(t("about {substances}", substances=", ".join(shared)))

    sex = patient.sex.strip().upper()
    if _is_any(tags.sexes):
        matches.append(None)
    elif sex in {value.strip().upper() for value in tags.sexes}:
        matches.append(t(_SEX_REASONS.get(sex, "for patients of sex {sex}"), sex=sex))
    else:
        return None

    living = (patient.living_situation or "").strip().lower()
    if _is_any(tags.living_situations):
        matches.append(None)
    elif living in _lower(tags.living_situations):
        matches.append(t("living situation: {situation}",
                         situation=t(_LIVING_LABELS.get(living, living))))
    else:
        return None

    return matches


def _recommendation(
    patient: PatientProfile,
    member: MemberProfile,
    module: ModuleCandidate,
    situations: list[_Situation],
) -> Recommendation | None:
    if not _is_offered(member, module):
        return None
    matches = _tag_matches(patient, member, module.tags)
    if matches is None:
        return None
    score = 0
    reasons: list[str] = []
    for situation in situations:
        bonus = _topic_bonus(situation, module.tags.topics)
        if bonus is not None:
            score += bonus[0]
            reasons.append(bonus[1])
    for reason in matches:
        if reason is None:
            score += ANY_MATCH_POINTS
        else:
            score += SPECIFIC_MATCH_POINTS
            reasons.append(reason)
    reasons.append(_language_reason(module.language.strip().lower()))
    return Recommendation(
        module_id=module.module_id,
        code=module.code,
        title=module.title,
        score=score,
        reasons=tuple(reasons),
    )


def recommend(
    patient: PatientProfile,
    member: MemberProfile,
    modules: Iterable[ModuleCandidate],
    limit: int | None = None,
) -> list[Recommendation]:
    """The modules to send ``member`` about ``patient``, best first (rules in the module
    docstring); ``limit`` keeps the first ``limit`` of them."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit: {limit} is not a number of modules (0 or more)")
    situations = _situations(patient)
    found = [_recommendation(patient, member, module, situations) for module in modules]
    listed = [rec for rec in found if rec is not None]
    listed.sort(key=lambda rec: (-rec.score, rec.code, rec.module_id))
    return listed if limit is None else listed[:limit]


def reason_summary(rec: Recommendation) -> str:
    """The reasons of a recommendation on one line, joined with "; "."""
    return "; ".join(rec.reasons)
