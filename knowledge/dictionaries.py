"""The word lists in knowledge/dict: places, asked-for slots and synonyms, in one-line-per-item text files.

They are plain text so that non-programmers can edit them; errors name the file and line for the same
reason. A missing file is an empty list, so a deployment may leave out any of them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


def read_word_list(path: Path) -> list[str]:
    """Whitespace-separated words of a text file."""
    return [w for _, line in _dict_lines(path) for w in line.split()]


VERSION_EVIDENCE = "@versions"
# slots whose value belongs to an object the question names just before the cue (see Slot.names_object)
OBJECT_SLOTS = frozenset({"比例/金额", "时限", "费用"})


@dataclass(frozen=True)
class Slot:
    """A detail a question can ask for (时限, 费用 …): how a question asks for it, how a passage states it.

    One schema for every detail, read from knowledge/dict/slots.txt, so deciding "the topic is covered but
    the asked detail is not" is data, not code. `re:` entries are regular expressions; `evidence ==
    ("@versions",)` marks the year/version slot, which is checked against what the knowledge holds.
    """

    name: str
    label: str
    cues: tuple[str, ...]
    evidence: tuple[str, ...]
    # headings that name this detail in a document ("申报时间" for 受理时间, "申请材料" for 所需材料)
    headings: tuple[str, ...] = ()

    @property
    def is_version(self) -> bool:
        return self.evidence == (VERSION_EVIDENCE,)

    def asked(self, question: str) -> bool:
        return _any_match(self.cues, question)

    def given(self, passage: str) -> bool:
        return _any_match(self.evidence, passage)

    def evidence_in(self, passage: str) -> list[tuple[int, str]]:
        """Every place the passage states this slot's value: (offset, matched text), in passage order."""
        return sorted((m.start(), m.group()) for p in self.evidence
                      for m in re.finditer(p[3:] if p.startswith("re:") else re.escape(p), passage) if m.group())

    def cue_at(self, question: str) -> tuple[int, str] | None:
        """Where the first cue of this slot starts in the question, and the cue's text (None: not asked)."""
        found = [(m.start(), m.group()) for p in self.cues
                 for m in [re.search(p[3:] if p.startswith("re:") else re.escape(p), question)] if m]
        return min(found) if found else None

    @property
    def names_object(self) -> bool:
        """A slot whose value is about something ("扣除比例", "退税多久", "刻章费用"): the passage must
        state the value of that thing, not of another one."""
        return self.name in OBJECT_SLOTS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Slot:
        return cls(d["name"], d["label"], tuple(d["cues"]), tuple(d["evidence"]), tuple(d.get("headings", ())))


def _any_match(patterns: tuple[str, ...], text: str) -> bool:
    return any(re.search(p[3:], text) if p.startswith("re:") else p in text for p in patterns)


def read_slots(path: Path) -> list[Slot]:
    """`name | label [heading …] | question cues | passage evidence` lines (see knowledge/dict/slots.txt)."""
    out: list[Slot] = []
    for n, line in _dict_lines(path):
        fields = [f.strip() for f in line.split(" | ")]
        if len(fields) != 4 or not all(fields):
            raise ValueError(f"{path}:{n}: expected 'name | label | question cues | passage evidence'")
        name, names, cues, evidence = fields
        label, *headings = names.split()
        words = [w.replace("_", " ") if not w.startswith("re:") else w for w in cues.split()]
        for w in words + evidence.split():
            if w.startswith("re:"):
                try:
                    re.compile(w[3:])
                except re.error as exc:
                    raise ValueError(f"{path}:{n}: bad regular expression {w!r}: {exc}") from exc
        out.append(Slot(name, label, tuple(words), tuple(evidence.split()), (label, *headings)))
    return out


def read_synonyms(path: Path) -> dict[str, list[str]]:
    """`official term: everyday word …` lines → {everyday word: [official terms]} for query expansion."""
    out: dict[str, list[str]] = {}
    for n, line in _dict_lines(path):
        term, sep, words = line.partition(":")
        if not sep or not term.strip() or not words.split():
            raise ValueError(f"{path}:{n}: expected 'official term: everyday words'")
        for w in words.split():
            out.setdefault(w, []).append(term.strip())
    return out


def read_glossary(path: Path) -> dict[str, list[str]]:
    """`official term: english phrase; english phrase` lines → {lower-case phrase: [official terms]}."""
    out: dict[str, list[str]] = {}
    for n, line in _dict_lines(path):
        term, sep, phrases = line.partition(":")
        items = [p.strip().lower() for p in phrases.split(";") if p.strip()]
        if not sep or not term.strip() or not items:
            raise ValueError(f"{path}:{n}: expected 'official term: english phrase; english phrase'")
        for item in items:
            out.setdefault(item, []).append(term.strip())
    return out


def _dict_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of a dictionary file without blanks and '#' comments; missing file = none."""
    if not path.exists():
        return []
    return [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]
