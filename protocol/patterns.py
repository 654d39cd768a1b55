"""The patterns both runtimes check, written once: sender ids, ticket numbers, phone numbers.

Each comes as a strict variant (the whole value must be one, `.match`) for input checks, next to a search
variant (one inside a text) for reading what people type, both built from the same pieces so they can
never drift apart.
"""

from __future__ import annotations

import re

# Sender ids of /api/chat, the handoff queue and Rasa's gateway channel (bot/channels.py).
SENDER_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")

# Ticket numbers: SSB-YYYYMMDD-NNNN, as the app store numbers them.
TICKET_NO = r"SSB-\d{8}-\d{4}"
TICKET_NO_RE = re.compile(rf"^{TICKET_NO}$")       # strict: a ticket number given as a value
TICKET_NO_IN_TEXT_RE = re.compile(TICKET_NO)       # the exact spelling inside a text (a reply we show)
# as people type it: "ssb20261128 0001", "SSB-20261128-0001"; groups: date, serial
TICKET_TYPED_RE = re.compile(r"SSB-?\s*(\d{8})-?\s*(\d{4})", re.I)

# Phone numbers: a mainland mobile, or a landline with its area code (0532-86981234 / 053286981234).
MOBILE = r"1[3-9]\d{9}"
LANDLINE = r"0\d{2,3}-?\d{7,8}"
PHONE_RE = re.compile(rf"^({MOBILE}|{LANDLINE})$")          # strict: a normalised contact phone
MOBILE_RE = re.compile(rf"(?<!\d){MOBILE}(?!\d)")           # search: a mobile inside a (compacted) text
LANDLINE_RE = re.compile(rf"(?<!\d){LANDLINE}(?!\d)")       # search: a landline inside a (compacted) text


def find_ticket_no(text: str | None) -> str | None:
    """The ticket number in what someone typed, in its canonical spelling (SSB-YYYYMMDD-NNNN)."""
    m = TICKET_TYPED_RE.search(text or "")
    return f"SSB-{m.group(1)}-{m.group(2)}" if m else None


def find_phone(text: str | None) -> str | None:
    """A mobile or landline number in any usual spelling (+86, 0086, spaces, dashes, (0532)), compacted:
    what it returns always passes PHONE_RE."""
    compact = re.sub(r"[\s()（）\-－—]", "", text or "")
    compact = re.sub(rf"^(\+?86|0086)(?={MOBILE})", "", compact)
    compact = re.sub(rf"(\+86|0086)(?={MOBILE})", "", compact)
    m = MOBILE_RE.search(compact) or LANDLINE_RE.search(compact)
    return m.group(0) if m else None
