"""Parser for Chinese policy documents laid out as 一、 / （一） / 1. / sentences.

It recovers the heading hierarchy so every answer can cite its section path (e.g. `二.(二).5`) and task.
Task numbers follow the plan's convention, generalised: a numbered item `N.` is task N, text before
the first numbered item is task 0, text after the last numbered item's top-level section is max+1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN_NUM = "一二三四五六七八九十"
L1_RE = re.compile(rf"^([{CN_NUM}]+)、\s*(.+)$")
L2_RE = re.compile(rf"^[（(]([{CN_NUM}]+)[）)]\s*(.+)$")
L3_RE = re.compile(r"^(\d{1,3})[.．、]\s*(?!\d)(.+)$")
SENTENCE_END = "。！？!?"
PREAMBLE_TITLE = "前言"
# a heading line carries no sentence of its own; a content line carries at least one full stop
_TITLE_SPLIT = re.compile(r"[。：:]")


@dataclass
class Sentence:
    text: str
    start: int
    end: int


@dataclass
class Chunk:
    """One paragraph of body text under one leaf section."""

    id: str
    doc_id: str
    section: str  # e.g. "二.(二).5"; "" for the preamble
    section_titles: list[str]  # titles of the enclosing headings, outermost first
    task: int
    task_title: str
    text: str
    start: int
    end: int
    sentences: list[Sentence] = field(default_factory=list)


def split_sentences(text: str, offset: int = 0) -> list[Sentence]:
    """Split on Chinese sentence ends, keeping closing quotes/brackets with their sentence."""
    out: list[Sentence] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        if text[i] in SENTENCE_END:
            j = i + 1
            while j < n and text[j] in "”’）)」』":
                j += 1
            piece = text[start:j]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                out.append(Sentence(piece.strip(), offset + start + lead, offset + j))
            start = i = j
            continue
        i += 1
    rest = text[start:]
    if rest.strip():
        lead = len(rest) - len(rest.lstrip())
        out.append(Sentence(rest.strip(), offset + start + lead, offset + start + lead + len(rest.strip())))
    return out


def _is_content(line: str) -> bool:
    return any(ch in line for ch in SENTENCE_END)


def _heading_title(rest: str) -> tuple[str, str]:
    """Split '指导思想。以习近平…' into ('指导思想', '以习近平…'); a bare heading has no body."""
    m = _TITLE_SPLIT.search(rest)
    if not m:
        return rest.strip(), ""
    title = rest[: m.start()].strip()
    if len(title) > 40:  # a sentence, not a title
        return "", rest
    return title, rest[m.end():].strip()


def parse_document(doc_id: str, body: str) -> list[Chunk]:
    """Parse body text into chunks; offsets index into `body`."""
    chunks: list[Chunk] = []
    l1 = l2 = l3 = ""
    t1 = t2 = t3 = ""
    task = 0
    max_task = 0
    task_title = PREAMBLE_TITLE
    seen_numbered = False
    after_numbered_l1 = False
    pos = 0
    for raw in body.splitlines(keepends=True):
        line_start = pos
        pos += len(raw)
        line = raw.strip()
        if not line:
            continue
        lead = len(raw) - len(raw.lstrip())
        content = ""
        content_offset = line_start + lead
        if m := L1_RE.match(line):
            if seen_numbered:
                after_numbered_l1 = True
            l1, t1 = m.group(1), m.group(2).strip()
            l2 = l3 = t2 = t3 = ""
            task = max_task + 1 if after_numbered_l1 else 0
            task_title = t1
            continue
        if m := L2_RE.match(line):
            l2 = f"({m.group(1)})"
            l3 = t3 = ""
            title, content = _heading_title(m.group(2))
            t2 = title
            if seen_numbered and not after_numbered_l1 and not content:
                pass  # a grouping heading between numbered items: task set by the next item
            elif not seen_numbered or after_numbered_l1:
                task = max_task + 1 if after_numbered_l1 else 0
                task_title = title or t1
            content_offset = line_start + lead + line.index(content) if content else content_offset
        elif (m := L3_RE.match(line)) and l1:
            num = int(m.group(1))
            l3 = str(num)
            title, content = _heading_title(m.group(2))
            t3 = title
            task = num
            task_title = title
            seen_numbered = True
            max_task = max(max_task, num)
            content_offset = line_start + lead + line.index(content) if content else content_offset
        else:
            if not _is_content(line):
                continue
            content = line
        if not content:
            continue
        section = ".".join(p for p in (l1, l2, l3) if p)
        titles = [t for t in (t1, t2, t3) if t]
        idx = sum(1 for c in chunks if c.section == section)
        chunk = Chunk(
            id=f"{doc_id}#{section or '0'}#{idx}",
            doc_id=doc_id,
            section=section,
            section_titles=titles,
            task=task,
            task_title=task_title,
            text=content,
            start=content_offset,
            end=content_offset + len(content),
        )
        chunk.sentences = split_sentences(content, content_offset)
        chunks.append(chunk)
    return chunks
