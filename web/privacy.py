"""Personal data handling: masking free text before it is logged, hashing sender ids."""

from __future__ import annotations

import hashlib
import hmac
import re

MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?\d{3,4}(\d{4})(?!\d)")


def mask_pii(text: str) -> str:
    """Mask mobile numbers, ID-card numbers, emails and landlines, keeping enough to recognise the shape."""
    text = ID_CARD.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)}", text)


def hash_sender(sender: str, secret: str) -> str:
    """Keyed hash: the same sender maps to the same id, which cannot be reversed without the secret."""
    return hmac.new(secret.encode(), sender.encode(), hashlib.sha256).hexdigest()[:24]
