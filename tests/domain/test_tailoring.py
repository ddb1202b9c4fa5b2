"""Tailored recommendations: exclusions, hard mismatches, match reasons, phase topics, order."""

from __future__ import annotations

import dataclasses

import pytest

from domain.content_tags import parse_tags
from domain.outreach import Tier
from domain.tailoring import (
    ANY_MATCH_POINTS,
    MAX_MATCH_POINTS,
    PRIORITY_TOPIC_BONUS,
    SPECIFIC_MATCH_POINTS,
    SUPPORTING_TOPIC_BONUS,
    MemberProfile,
    ModuleCandidate,
    PatientProfile,
    Recommendation,
    reason_summary,
    recommend,
)
from domain.text import t, use_translator
from domain.vocabulary import Medication, Phase
from i18n.catalog import translating

# A woman on methadone 80 mg (standard band) in maintenance, living with her family, using
# heroin and methamphetamine; no flags, no recent taper.
PATIENT = PatientProfile(
    sex="F",
    primary_substance="Heroin",
    co_used_substances=("methamphetamine",),
    medication=Medication.METHADONE,
    dose_mg=80.0,
    phase=Phase.MAINTENANCE,
    living_situation="with_family",
    flags=frozenset(),
    taper_ended_recently=False,
)

# Her husband, who reads Persian and has nothing completed or pending yet.
SPOUSE = MemberProfile(
    member_id=7,
    relation="spouse",
    language="fa",
    completed_module_ids=frozenset(),
    pending_module_ids=frozenset(),
)

# Every tag left at "any": 7 tags x ANY_MATCH_POINTS.
GENERAL_SCORE = 7 * ANY_MATCH_POINTS


def patient(**changes: object) -> PatientProfile:
    return dataclasses.replace(PATIENT, **changes)  # type: ignore[arg-type]


def member(**changes: object) -> MemberProfile:
    return dataclasses.replace(SPOUSE, **changes)  # type: ignore[arg-type]


def module(
    module_id: int,
    code: str,
    *,
    language: str = "fa",
    retired: bool = False,
    **tags: object,
) -> ModuleCandidate:
    """A module whose tags go through the same parser as the library import."""
    return ModuleCandidate(
        module_id=module_id,
        code=code,
        title=f"Title of {code}",
        kind="text",
        language=language,
        retired=retired,
        tags=parse_tags(tags),
    )


def codes(recs: list[Recommendation]) -> list[str]:
    return [rec.code for rec in recs]


# A small library: one module per topic, every other tag left at "any".
WHAT_IS_MAT = module(1, "what-is-mat", topics="what_is_mat")
NALOXONE = module(2, "naloxone", topics="overdose_and_naloxone")
RELAPSE = module(3, "relapse", topics="relapse_prevention")
COMMUNICATION = module(4, "communication", topics="communication")
SELF_CARE = module(5, "self-care", topics="self_care_for_families")
TAPER_SUPPORT = module(6, "taper-support", topics="taper_support")
EMERGENCY = module(7, "emergency-plan", topics="emergency_plan")
# Fits this family better than any general module: for spouses, in maintenance, on methadone.
FOR_SPOUSES = module(8, "for-spouses", topics="communication", relations="spouse",
                     phases="maintenance", medications="methadone")
LIBRARY = [WHAT_IS_MAT, NALOXONE, RELAPSE, COMMUNICATION, SELF_CARE, TAPER_SUPPORT, EMERGENCY,
           FOR_SPOUSES]


# --- scoring without a phase topic ----------------------------------------------------------


def test_maintenance_ranks_specific_matches_first_then_by_code() -> None:
    recs = recommend(PATIENT, SPOUSE, LIBRARY)
    assert codes(recs) == ["for-spouses", "communication", "emergency-plan", "naloxone",
                           "relapse", "self-care", "taper-support", "what-is-mat"]
    first = recs[0]
    assert first == Recommendation(
        module_id=8,
        code="for-spouses",
        title="Title of for-spouses",
        score=3 * SPECIFIC_MATCH_POINTS + 4 * ANY_MATCH_POINTS,
        reasons=("for spouses", "matches phase: maintenance", "for methadone", "in Persian"),
    )
    assert first.score == 34  # 3 specific tags x 10 + 4 tags at "any" x 1
    assert {rec.score for rec in recs[1:]} == {GENERAL_SCORE} == {7}
    assert recs[1].reasons == ("in Persian",)


def test_phase_bonuses_rank_above_the_best_possible_match() -> None:
    assert ANY_MATCH_POINTS < SPECIFIC_MATCH_POINTS
    assert MAX_MATCH_POINTS == 7 * SPECIFIC_MATCH_POINTS
    assert MAX_MATCH_POINTS < SUPPORTING_TOPIC_BONUS < PRIORITY_TOPIC_BONUS


# --- rule 4: phase-relevant topics first ----------------------------------------------------


def test_induction_patient_gets_what_is_mat_first() -> None:
    # A module that matches every tag specifically still comes after what_is_mat.
    perfect = module(9, "perfect-fit", topics="communication", relations="spouse", sexes="F",
                     substances="heroin", medications="methadone", dose_band="standard",
                     phases="induction", living_situations="with_family")
    recs = recommend(patient(phase=Phase.INDUCTION), SPOUSE, [*LIBRARY, perfect])
    assert codes(recs)[:2] == ["what-is-mat", "perfect-fit"]
    assert recs[0].score == PRIORITY_TOPIC_BONUS + GENERAL_SCORE
    assert recs[0].reasons == (
        "recommended in induction: what MAT is and what to expect",
        "in Persian",
    )
    assert recs[1].score == MAX_MATCH_POINTS
    # for-spouses is tagged for maintenance: an induction patient's family does not get it.
    assert "for-spouses" not in codes(recs)


def test_taper_patient_gets_relapse_prevention_and_naloxone_first() -> None:
    recs = recommend(patient(phase=Phase.TAPER), SPOUSE, LIBRARY)
    assert codes(recs) == ["naloxone", "relapse", "taper-support", "communication",
                           "emergency-plan", "self-care", "what-is-mat"]
    assert [rec.score for rec in recs[:3]] == [
        PRIORITY_TOPIC_BONUS + GENERAL_SCORE,
        PRIORITY_TOPIC_BONUS + GENERAL_SCORE,
        SUPPORTING_TOPIC_BONUS + GENERAL_SCORE,
    ]
    assert recs[0].reasons[0] == "recommended in taper: overdose and naloxone"
    assert recs[1].reasons[0] == "recommended in taper: relapse prevention"
    assert recs[2].reasons[0] == "recommended in taper: taper support"


def test_aftercare_after_a_recent_taper_end_is_treated_as_taper() -> None:
    recs = recommend(patient(phase=Phase.AFTERCARE, taper_ended_recently=True), SPOUSE, LIBRARY)
    assert codes(recs)[:3] == ["naloxone", "relapse", "taper-support"]
    assert recs[1].reasons == (
        "taper ended recently, highest overdose risk: relapse prevention",
        "in Persian",
    )


def test_aftercare_long_after_the_taper_has_no_phase_topic() -> None:
    recs = recommend(patient(phase=Phase.AFTERCARE), SPOUSE, LIBRARY)
    assert {rec.score for rec in recs} == {GENERAL_SCORE}
    assert codes(recs) == sorted(codes(recs))


def test_overdose_flag_puts_emergency_plan_first() -> None:
    recs = recommend(patient(flags=frozenset({"overdose_risk_tolerance"})), SPOUSE, LIBRARY)
    assert codes(recs)[:3] == ["emergency-plan", "naloxone", "for-spouses"]
    assert recs[0].score == PRIORITY_TOPIC_BONUS + GENERAL_SCORE
    assert recs[0].reasons == ("after missed doses: emergency plan", "in Persian")
    assert recs[1].score == SUPPORTING_TOPIC_BONUS + GENERAL_SCORE
    assert recs[1].reasons[0] == "after missed doses: overdose and naloxone"


def test_other_flags_add_no_bonus() -> None:
    recs = recommend(patient(flags=frozenset({"possible_underdosing"})), SPOUSE, LIBRARY)
    assert codes(recs)[0] == "for-spouses"
    assert max(rec.score for rec in recs) < SUPPORTING_TOPIC_BONUS


def test_missed_doses_during_a_taper_add_both_bonuses_to_naloxone() -> None:
    recs = recommend(
        patient(phase=Phase.TAPER, flags=frozenset({"overdose_risk_tolerance"})), SPOUSE, LIBRARY
    )
    assert codes(recs)[:4] == ["naloxone", "emergency-plan", "relapse", "taper-support"]
    assert recs[0].score == PRIORITY_TOPIC_BONUS + SUPPORTING_TOPIC_BONUS + GENERAL_SCORE
    assert recs[0].reasons == (
        "after missed doses: overdose and naloxone",
        "recommended in taper: overdose and naloxone",
        "in Persian",
    )


def test_a_module_with_a_main_and_a_supporting_topic_gets_the_main_bonus_once() -> None:
    both = module(10, "taper-kit", topics="taper_support;relapse_prevention;overdose_and_naloxone")
    [rec] = recommend(patient(phase=Phase.TAPER), SPOUSE, [both])
    assert rec.score == PRIORITY_TOPIC_BONUS + GENERAL_SCORE
    assert rec.reasons == ("recommended in taper: relapse prevention", "in Persian")


# --- rule 1: never recommended --------------------------------------------------------------


def test_persian_member_never_gets_an_english_module() -> None:
    english_fit = module(11, "aa-english", language="en", topics="what_is_mat",
                         relations="spouse", medications="methadone")
    recs = recommend(patient(phase=Phase.INDUCTION), SPOUSE, [english_fit, COMMUNICATION])
    assert codes(recs) == ["communication"]


def test_english_member_gets_english_modules_only() -> None:
    english = module(12, "english", language="en", topics="communication")
    recs = recommend(PATIENT, member(language="en"), [english, COMMUNICATION])
    assert codes(recs) == ["english"]
    assert recs[0].reasons == ("in English",)


def test_other_language_codes_are_shown_as_they_are() -> None:
    kurdish = module(13, "kurdish", language="ku", topics="communication")
    [rec] = recommend(PATIENT, member(language="ku"), [kurdish])
    assert rec.reasons == ("in ku",)


def test_completed_pending_and_retired_modules_are_excluded() -> None:
    retired = module(14, "retired", retired=True, topics="communication")
    done_and_waiting = member(completed_module_ids=frozenset({4}),
                              pending_module_ids=frozenset({5}))
    recs = recommend(PATIENT, done_and_waiting, [COMMUNICATION, SELF_CARE, retired, RELAPSE])
    assert codes(recs) == ["relapse"]


def test_completed_module_is_excluded_even_when_it_is_the_phase_topic() -> None:
    recs = recommend(patient(phase=Phase.INDUCTION),
                     member(completed_module_ids=frozenset({WHAT_IS_MAT.module_id})), LIBRARY)
    assert "what-is-mat" not in codes(recs)
    assert max(rec.score for rec in recs) < SUPPORTING_TOPIC_BONUS


# --- rules 2 and 3: hard mismatches exclude, specific matches give reasons ------------------


def test_module_for_spouses_is_not_for_a_mother() -> None:
    for_spouses = module(15, "spouses", relations="spouse;partner")
    assert recommend(PATIENT, member(relation="mother"), [for_spouses]) == []
    [rec] = recommend(PATIENT, SPOUSE, [for_spouses])
    assert rec.reasons == ("for spouses", "in Persian")
    assert rec.score == SPECIFIC_MATCH_POINTS + 6 * ANY_MATCH_POINTS


@pytest.mark.parametrize(
    ("tags", "fitting", "reason", "not_fitting"),
    [
        ({"medications": "buprenorphine"},
         {"medication": Medication.BUPRENORPHINE, "dose_mg": 16.0}, "for buprenorphine",
         {"medication": Medication.METHADONE}),
        ({"medications": "methadone"}, {}, "for methadone",
         {"medication": Medication.NALTREXONE}),
        ({"sexes": "F"}, {}, "for women in treatment", {"sex": "M"}),
        ({"sexes": "M"}, {"sex": "M"}, "for men in treatment", {"sex": "X"}),
        ({"phases": "taper;aftercare"}, {"phase": Phase.AFTERCARE}, "matches phase: aftercare",
         {"phase": Phase.MAINTENANCE}),
        # Methadone: under 60 mg low, 120 mg and over high.
        ({"dose_band": "high"}, {"dose_mg": 120.0}, "dose band: high", {"dose_mg": 119.0}),
        ({"dose_band": "low"}, {"dose_mg": 40.0}, "dose band: low", {"dose_mg": 60.0}),
        # Naltrexone has no dose bands: always standard.
        ({"dose_band": "standard"}, {"medication": Medication.NALTREXONE, "dose_mg": 380.0},
         "dose band: standard", {"dose_mg": 150.0}),
        ({"living_situations": "alone;unstable_housing"}, {"living_situation": "alone"},
         "living situation: alone", {"living_situation": "with_family"}),
        ({"living_situations": "with_family"}, {}, "living situation: with family",
         {"living_situation": None}),
        # Substances are compared in lower case; the primary is "Heroin".
        ({"substances": "heroin;opium"}, {}, "about heroin", {"primary_substance": "tramadol"}),
        ({"substances": "methamphetamine"}, {}, "about methamphetamine",
         {"co_used_substances": ()}),
        ({"substances": "opium;fentanyl"},
         {"primary_substance": "Fentanyl", "co_used_substances": ("OPIUM",)},
         "about opium, fentanyl", {"co_used_substances": ("tramadol",)}),
    ],
)
def test_specific_tag_matches_or_excludes(
    tags: dict[str, str],
    fitting: dict[str, object],
    reason: str,
    not_fitting: dict[str, object],
) -> None:
    candidate = module(16, "tagged", topics="communication", **tags)
    [rec] = recommend(patient(**fitting), SPOUSE, [candidate])
    assert rec.reasons == (reason, "in Persian")
    assert rec.score == SPECIFIC_MATCH_POINTS + 6 * ANY_MATCH_POINTS
    assert recommend(patient(**not_fitting), SPOUSE, [candidate]) == []


def test_patient_without_living_situation_fits_only_any() -> None:
    unknown_living = patient(living_situation=None)
    tagged = module(17, "tagged", living_situations="with_family;with_partner;alone")
    assert codes(recommend(unknown_living, SPOUSE, [tagged, COMMUNICATION])) == [
        "communication"
    ]


def test_reasons_follow_tag_order_and_language_comes_last() -> None:
    everything = module(18, "everything", relations="spouse", sexes="F", substances="heroin",
                        medications="methadone", dose_band="standard", phases="maintenance",
                        living_situations="with_family")
    [rec] = recommend(PATIENT, SPOUSE, [everything])
    assert rec.score == MAX_MATCH_POINTS
    assert rec.reasons == (
        "for spouses",
        "matches phase: maintenance",
        "for methadone",
        "dose band: standard",
        "about heroin",
        "for women in treatment",
        "living situation: with family",
        "in Persian",
    )
    assert reason_summary(rec) == (
        "for spouses; matches phase: maintenance; for methadone; dose band: standard; "
        "about heroin; for women in treatment; living situation: with family; in Persian"
    )


# --- rule 5: order and limit ----------------------------------------------------------------


def test_ties_are_broken_by_code_whatever_the_input_order() -> None:
    tied = [module(30, "c-module"), module(31, "a-module"), module(32, "b-module")]
    assert codes(recommend(PATIENT, SPOUSE, tied)) == ["a-module", "b-module", "c-module"]
    assert recommend(PATIENT, SPOUSE, tied) == recommend(PATIENT, SPOUSE, list(reversed(tied)))


def test_limit_keeps_the_best_modules() -> None:
    recs = recommend(patient(phase=Phase.TAPER), SPOUSE, LIBRARY, limit=2)
    assert codes(recs) == ["naloxone", "relapse"]
    assert recommend(PATIENT, SPOUSE, LIBRARY, limit=0) == []
    assert len(recommend(PATIENT, SPOUSE, LIBRARY, limit=100)) == len(LIBRARY)
    with pytest.raises(ValueError, match="limit: -1"):
        recommend(PATIENT, SPOUSE, LIBRARY, limit=-1)


def test_input_may_be_any_iterable() -> None:
    assert codes(recommend(PATIENT, SPOUSE, iter([RELAPSE, NALOXONE]))) == ["naloxone", "relapse"]


# --- texts ----------------------------------------------------------------------------------


def test_reasons_go_through_the_translator() -> None:
    persian = {
        "recommended in induction: {topic}": "توصیه در شروع درمان: {topic}",
        "what MAT is and what to expect": "درمان دارویی چیست",
        "in Persian": "به فارسی",
    }
    with use_translator(lambda message: persian.get(message, message)):
        [rec] = recommend(patient(phase=Phase.INDUCTION), SPOUSE, [WHAT_IS_MAT])
    assert rec.reasons == ("توصیه در شروع درمان: درمان دارویی چیست", "به فارسی")

    with use_translator(lambda message: "X " + message):
        recs = recommend(patient(phase=Phase.TAPER, flags=frozenset({"overdose_risk_tolerance"})),
                         SPOUSE, [*LIBRARY, module(19, "everything", relations="spouse",
                                                   sexes="F", substances="heroin",
                                                   dose_band="standard", phases="taper",
                                                   living_situations="with_family")])
    reasons = [reason for rec in recs for reason in rec.reasons]
    assert len(reasons) > len(recs)
    assert all(reason.startswith("X ") for reason in reasons)


def test_a_dose_that_is_not_a_dose_is_refused() -> None:
    with pytest.raises(ValueError, match="dose_mg"):
        patient(dose_mg=float("nan"))
    with pytest.raises(ValueError, match="dose_mg"):
        patient(dose_mg=-5.0)


@pytest.mark.parametrize(("dose_band", "dose_mg", "persian"), [
    ("high", 120.0, "دوز بالا"),
    ("low", 40.0, "دوز پایین"),
    ("standard", 80.0, "دوز معمول"),
])
def test_a_dose_band_reads_as_a_dose_level_in_persian_never_as_the_outreach_tier(
        dose_band: str, dose_mg: float, persian: str) -> None:
    candidate = module(16, "tagged", topics="communication", dose_band=dose_band)
    with translating("fa"):
        [rec] = recommend(patient(dose_mg=dose_mg), SPOUSE, [candidate])
        high_tier = t(Tier.HIGH.value)
    assert rec.reasons == (persian, "به فارسی")
    # The tier "high" is an urgency; the same English word, another Persian one.
    assert high_tier == "اولویت بالا"
