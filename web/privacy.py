"""Personal data handling: masking free text before it is logged, hashing sender ids."""

from __future__ import annotations

import hashlib
import hmac
import re

# numbers as people type them: "+86 138 1234 5678", "138-1234-5678", "(0532)8698 1234", 15- and 18-digit IDs
SEP = r"[\s\-－—]?"
MOBILE = re.compile(rf"(?<!\d)((?:\+|00)86{SEP})?(1[3-9]\d){SEP}\d{{4}}{SEP}(\d{{4}})(?!\d)")
ID_CARD = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
ID_CARD_15 = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})\d{6}(\d{3})(?![0-9A-Za-z])")
EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
LANDLINE = re.compile(rf"(?<!\d)[(（]?(0\d{{2,3}})[)）]?{SEP}\d{{3,4}}{SEP}(\d{{4}})(?!\d)")


def mask_pii(text: str) -> str:
    """Mask mobile numbers, ID-card numbers, emails and landlines, keeping enough to recognise the shape.

    The one masker for everything that is logged or kept outside a ticket (unanswered log, turns, feedback).
    """
    text = ID_CARD.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = ID_CARD_15.sub(lambda m: f"{m.group(1)}******{m.group(2)}", text)
    text = MOBILE.sub(lambda m: f"{m.group(2)}****{m.group(3)}", text)
    text = EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)}", text)


def hash_sender(sender: str, secret: str) -> str:
    """Keyed hash: the same sender maps to the same id, which cannot be reversed without the secret."""
    return hmac.new(secret.encode(), sender.encode(), hashlib.sha256).hexdigest()[:24]
