"""Signed open links: genuine tokens read back, forged or damaged ones never do."""

from __future__ import annotations

import pytest

from domain.open_links import open_link, open_token, read_open_token

KEY = "test-key-not-a-secret-0123456789abcdef"


def test_a_token_reads_back_its_assignment() -> None:
    assert read_open_token(open_token(42, KEY), KEY) == 42
    assert open_link("https://clinic.example.org/", 42, KEY) == (
        f"https://clinic.example.org/?open={open_token(42, KEY)}")


@pytest.mark.parametrize("token", [
    "", "42", "42.", "x.abc", "-1.abc", "43." + open_token(42, KEY).split(".")[1],
    open_token(42, "another-key")[:-1], "9" * 13 + ".abc",
])
def test_forged_or_damaged_tokens_are_refused(token: str) -> None:
    assert read_open_token(token, KEY) is None


def test_another_key_does_not_accept_the_token() -> None:
    assert read_open_token(open_token(42, KEY), "another-key") is None
