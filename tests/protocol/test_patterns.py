"""The shared patterns: the strict variant takes only a whole value, the search variant finds one in text,
and both accept exactly the same numbers."""

from __future__ import annotations

import pytest

from protocol.patterns import (
    LANDLINE_RE,
    MOBILE_RE,
    PHONE_RE,
    SENDER_RE,
    TICKET_NO_IN_TEXT_RE,
    TICKET_NO_RE,
    TICKET_TYPED_RE,
    find_phone,
    find_ticket_no,
)


@pytest.mark.parametrize("sender", ["w-0123456789abcdef", "a", "eval-1:2.3_x", "x" * 100])
def test_sender_ids_of_the_widget_and_tools_pass(sender):
    assert SENDER_RE.match(sender)


@pytest.mark.parametrize("sender", ["", "x" * 101, "a b", "张三", "a/b", "a;b", "<script>"])
def test_other_sender_ids_are_refused(sender):
    assert not SENDER_RE.match(sender)


def test_ticket_number_strict_takes_only_the_whole_canonical_number():
    assert TICKET_NO_RE.match("SSB-20261128-0001")
    for bad in ("SSB-20261128-001", "ssb-20261128-0001", "SSB2026112800 01", "x SSB-20261128-0001",
                "SSB-20261128-00012"):
        assert not TICKET_NO_RE.match(bad), bad


def test_ticket_numbers_in_a_shown_text_are_found_in_their_canonical_spelling_only():
    text = "已为您提交至“诉速办”，工单号：SSB-20261128-0042，承办部门：区市场监管局。格式如 SSB20261128 0001"
    assert TICKET_NO_IN_TEXT_RE.findall(text) == ["SSB-20261128-0042"]


@pytest.mark.parametrize("typed, no", [
    ("查询工单 SSB-20261128-0001", "SSB-20261128-0001"),
    ("ssb20261128 0001 到哪了", "SSB-20261128-0001"),
    ("SSB- 20261128-0007", "SSB-20261128-0007"),
    ("我的投诉到哪了", None),
    ("", None),
])
def test_a_typed_ticket_number_is_read_in_any_usual_spelling(typed, no):
    assert find_ticket_no(typed) == no
    assert bool(TICKET_TYPED_RE.search(typed)) == (no is not None)


@pytest.mark.parametrize("text, phone", [
    ("13812345678", "13812345678"),
    ("我的电话是138 1234 5678", "13812345678"),
    ("+86 138-1234-5678", "13812345678"),
    ("0086 13812345678", "13812345678"),
    ("(0532) 8698 1234", "053286981234"),
    ("0532-86981234", "053286981234"),
])
def test_find_phone_reads_any_usual_spelling_and_returns_a_valid_contact_phone(text, phone):
    assert find_phone(text) == phone
    assert PHONE_RE.match(phone), "what the actions file must pass the web service's check"


@pytest.mark.parametrize("text", ["12345", "138123", "电话号码是8888", "23812345678", "138123456789", ""])
def test_find_phone_finds_no_phone_in_short_or_malformed_numbers(text):
    assert find_phone(text) is None


def test_strict_and_search_phone_variants_accept_the_same_numbers():
    for number in ("13812345678", "19900001111", "0532-86981234", "053286981234", "010-1234567"):
        assert PHONE_RE.match(number), number
        assert (MOBILE_RE.fullmatch(number) or LANDLINE_RE.fullmatch(number)), number
    for number in ("12812345678", "1381234567", "532-86981234", "0532-869812", "13812345678 "):
        assert not PHONE_RE.fullmatch(number), number
    # inside a text only the search variant finds it, never a longer digit run
    assert MOBILE_RE.search("电话13812345678谢谢") and not PHONE_RE.match("电话13812345678谢谢")
    assert not MOBILE_RE.search("138123456789")
