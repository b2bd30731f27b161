"""Thread tokens: made, written into subjects and Reply-To plus-addresses, read back in any
case, and removed from an address to find its inbox."""

from __future__ import annotations

import re

from ticketflow_channels.domain.thread_tokens import (
    base_address,
    new_thread_token,
    plus_address,
    subject_with_token,
    token_in_addresses,
    token_in_subject,
    without_token,
)

TOKEN = "T-ABCDEFGH23"


def test_a_new_token_is_t_and_ten_base32_characters_and_differs_each_time() -> None:
    tokens = {new_thread_token() for _ in range(50)}

    assert len(tokens) == 50
    assert all(re.fullmatch(r"T-[A-Z2-7]{10}", t) for t in tokens)


def test_the_subject_carries_the_token_once_and_it_reads_back_in_any_case() -> None:
    once = subject_with_token("Re: Printer on fire", TOKEN)
    again = subject_with_token(f"Re: Re: Printer on fire [#{TOKEN.lower()}]", TOKEN)

    assert once == f"Re: Printer on fire [#{TOKEN}]"
    assert again == f"Re: Re: Printer on fire [#{TOKEN}]"
    assert token_in_subject(f"AW: something [#{TOKEN.lower()}] else") == TOKEN
    assert token_in_subject("Re: [#T-SHORT] no") is None
    assert subject_with_token("", TOKEN) == f"[#{TOKEN}]"


def test_the_reply_to_plus_address_keeps_an_inboxs_own_plus_part() -> None:
    assert plus_address("support@acme.test", TOKEN) == f"support+{TOKEN}@acme.test"
    assert plus_address("help+sales@acme.test", TOKEN) == f"help+sales+{TOKEN}@acme.test"
    assert plus_address(f"help+{TOKEN}@acme.test", TOKEN) == f"help+{TOKEN}@acme.test"


def test_a_token_is_read_from_the_first_plus_address_that_holds_one() -> None:
    assert token_in_addresses(["ann@example.org", f"help+sales+{TOKEN.lower()}@acme.test"]) == TOKEN
    assert token_in_addresses(["help+sales@acme.test", "x@y.z"]) is None


def test_an_address_without_its_token_or_any_plus_part() -> None:
    assert without_token(f" Help+Sales+{TOKEN}@Acme.test ") == "Help+Sales@Acme.test"
    assert without_token("help+sales@acme.test") == "help+sales@acme.test"
    assert base_address(f"Help+Sales+{TOKEN}@Acme.test") == "help@acme.test"
