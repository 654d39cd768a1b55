import pytest

from web.privacy import hash_sender, mask_pii
from web.susuban.wire import sign, verify


def test_mask_pii():
    text = "电话13812345678，座机0532-86981234，身份证37021119900101123X，邮箱 zhang.san@example.com"
    masked = mask_pii(text)
    assert "138****5678" in masked and "13812345678" not in masked
    assert "0532-****1234" in masked
    assert "370211********123X" in masked
    assert "z***@example.com" in masked and "zhang.san" not in masked
    assert mask_pii("税率是3%，2023年计划") == "税率是3%，2023年计划"


@pytest.mark.parametrize(("raw", "shown"), [
    ("+86 138 1234 5678", "138****5678"), ("+8613812345678", "138****5678"), ("008613812345678", "138****5678"),
    ("138 1234 5678", "138****5678"), ("138-1234-5678", "138****5678"),
    ("(0532)86981234", "0532-****1234"), ("（0532）8698 1234", "0532-****1234"), ("053286981234", "0532-****1234"),
    ("370211900101123", "370211******123"), ("37021119900101123x", "370211********123x"),
])
def test_mask_pii_in_the_forms_people_type(raw, shown):
    masked = mask_pii(f"我的号码是{raw}，谢谢")
    assert shown in masked, masked
    digits = "".join(c for c in raw if c.isdigit())
    assert digits not in "".join(c for c in masked if c.isdigit()), masked


def test_sender_hash_is_keyed_and_stable():
    assert hash_sender("u1", "k") == hash_sender("u1", "k") != hash_sender("u1", "other")
    assert "u1" not in hash_sender("u1", "k")


def test_signature_roundtrip_and_tamper():
    headers = sign("secret", b'{"a":1}')
    assert verify("secret", b'{"a":1}', headers)
    assert not verify("secret", b'{"a":2}', headers)
    assert not verify("other", b'{"a":1}', headers)
    assert not verify("secret", b'{"a":1}', sign("secret", b'{"a":1}', timestamp=1))
