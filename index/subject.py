"""The subject of a question (企业开办, 出口退税 …) and which tasks of the knowledge are about it.

Retrieval scores reward any shared wording, so "企业开办能一天办完吗" can match a court task on its
predicate (办理周期). The subject comes from the domain dictionary: jieba domain terms and synonym groups
(an everyday word stands for its official term and all its variants). A term counts as a subject only
when it is specific: it occurs in at least one and at most `max_tasks` tasks (title and text; the FAQ
questions of a task only for a term the plan never writes). A term counts only as whole words of the
question (jieba with the domain dictionary): 纳税 is not named by 纳税人.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba

# a term's characters the question may leave out when it paraphrases the term ("拿了地马上开工" for 拿地即开工)
LINKING_CHARS = "即及与和的之并"
SPREAD_MIN_CORE = 4  # only terms with at least this many other characters are matched spread out
SPREAD_GAP = 2  # at most this many characters between two of the term's characters
SEPARATORS = "的和与及或跟同"  # a gap holding one of these joins two phrases ("出口和退货的税" is not 出口退税)


@dataclass(frozen=True)
class Subject:
    term: str  # as the question writes it (after typo fixing)
    official: str  # the group's official term
    tasks: frozenset[int]


@dataclass
class SubjectIndex:
    """Dictionary terms → variants → tasks that mention them."""

    terms: Iterable[str]
    synonyms: dict[str, list[str]]  # everyday word → official terms
    task_texts: dict[int, str]  # task → title + plan text
    faq_texts: dict[int, str] = field(default_factory=dict)  # task → its FAQ questions
    max_tasks: int = 3
    groups: dict[str, set[str]] = field(default_factory=dict, init=False)  # official → variants
    lookup: list[tuple[str, str]] = field(default_factory=list, init=False)  # (surface, official), longest first
    covered: dict[str, frozenset[int]] = field(default_factory=dict, init=False)
    # first two characters → (rank in lookup, surface, official): only surfaces that can occur are tried
    by_head: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict, init=False)
    # terms matched spread out: (surface, official, its characters without LINKING_CHARS)
    spread: list[tuple[str, str, str]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        for word, officials in self.synonyms.items():
            for o in officials:
                self.groups.setdefault(o, {o}).add(word)
        for t in self.terms:
            self.groups.setdefault(t, {t})
        surfaces: dict[str, set[str]] = {}
        for official, variants in self.groups.items():
            for v in variants:
                surfaces.setdefault(v, set()).add(official)
            tasks = frozenset(task for task, text in self.task_texts.items() if any(v in text for v in variants)) \
                or frozenset(task for task, text in self.faq_texts.items() if any(v in text for v in variants))
            if 1 <= len(tasks) <= self.max_tasks:
                self.covered[official] = tasks
        self.lookup = sorted(((s, o) for s, os in surfaces.items() for o in os if o in self.covered and len(s) >= 2),
                             key=lambda p: -len(p[0]))
        for rank, (surface, official) in enumerate(self.lookup):
            self.by_head.setdefault(surface[:2], []).append((rank, surface, official))
            core = [ch for ch in surface if ch not in LINKING_CHARS]
            if len(core) >= SPREAD_MIN_CORE and all(_is_cjk(ch) for ch in core):
                self.spread.append((surface, official, "".join(core)))

    def detect(self, question: str) -> list[Subject]:
        """Specific dictionary terms the question names as whole words, longest match first, no overlaps."""
        found: list[Subject] = []
        taken = [False] * len(question)
        bounds = word_bounds(question)
        heads = {question[i:i + 2] for i in range(len(question) - 1)}
        candidates = sorted(c for h in heads for c in self.by_head.get(h, ()))
        for _, surface, official in candidates:
            start = question.find(surface)
            while start >= 0:
                end = start + len(surface)
                if start in bounds and end in bounds and not any(taken[start:end]):
                    taken[start:end] = [True] * (end - start)
                    found.append(Subject(surface, official, self.covered[official]))
                    break
                start = question.find(surface, start + 1)
        # a paraphrase that keeps the term's characters in order ("拿了地马上开工" → 拿地即开工), within a clause
        named = {x.official for x in found}
        chars = set(question)
        for surface, official, core in self.spread:
            if official in named or not chars.issuperset(core):  # a character missing: no match to look for
                continue
            span = spread_match(question, core)
            if span and span[0] in bounds and span[1] in bounds and not any(taken[span[0]:span[1]]) \
                    and span[1] - span[0] <= len(surface) + SPREAD_GAP + 1:
                taken[span[0]:span[1]] = [True] * (span[1] - span[0])
                found.append(Subject(question[span[0]:span[1]], official, self.covered[official]))
                named.add(official)
        return found


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def spread_match(text: str, core: str, gap: int = SPREAD_GAP) -> tuple[int, int] | None:
    """The first span of `text` holding `core`'s characters in order, each at most `gap` Chinese characters
    after the one before, none of them a separator (和, 的 …). Plain Python rather than one regular expression
    per term: compiling a thousand patterns over the CJK range took seconds at every index swap."""

    def rest(k: int, pos: int) -> int | None:
        if k == len(core):
            return pos
        for j in range(pos, min(len(text), pos + gap + 1)):
            if text[j] == core[k]:
                end = rest(k + 1, j + 1)
                if end is not None:
                    return end
            if text[j] in SEPARATORS or not _is_cjk(text[j]):
                return None
        return None

    for start, ch in enumerate(text):
        if ch == core[0]:
            end = rest(1, start + 1)
            if end is not None:
                return start, end
    return None


def word_bounds(text: str) -> set[int]:
    """Offsets where a word of `text` starts or ends (jieba, dictionary words only: no HMM guesses)."""
    return {0, len(text), *(start for _, start, _ in jieba.tokenize(text, HMM=False))}


def subject_tasks(subjects: list[Subject]) -> frozenset[int]:
    out: frozenset[int] = frozenset()
    for s in subjects:
        out |= s.tasks
    return out
