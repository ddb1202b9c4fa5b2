"""The roster's flag cell: one sentence per flag, each combination written once per table."""

from __future__ import annotations

from domain.roster import flag_text, flags_text
from domain.signals import Flag
from i18n.catalog import interface_language


def test_every_flag_has_its_sentence_in_each_language() -> None:
    english = {flag: flag_text(flag) for flag in Flag}
    assert english[Flag.NO_CONSENTED_SUPPORT] == "no support member with an active consent"
    assert len(set(english.values())) == len(Flag)
    with interface_language("fa"):
        persian = {flag: flag_text(flag) for flag in Flag}
    assert all(persian[flag] != english[flag] for flag in Flag)


def test_flags_cell_joins_the_sentences_and_writes_each_combination_once() -> None:
    written: dict[tuple[Flag, ...], str] = {}
    both = (Flag.UNEXPECTED_POSITIVE_30D, Flag.NO_CONSENTED_SUPPORT)
    cell = flags_text(both, written)
    assert cell == ("unexpected positive screen in the last 30 days; "
                    "no support member with an active consent")
    assert flags_text(list(both), written) is cell  # the same combination: not written again
    assert flags_text((), written) == ""
    assert list(written) == [both, ()]
