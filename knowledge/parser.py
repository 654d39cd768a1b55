"""Parser for Chinese policy documents: plans (一、/（一）/1.), notices and guides (一、/（一）),
regulations (第一章/第一节/第一条) and the 附件 after the main text.

Nothing a user may ask about may be dropped: every line of the body is either text of a chunk or a
recorded heading title (`coverage` measures it). Each chunk belongs to one citable unit whose `label`
is written in the document's own terms ("二、（二）5.", "第二章 第五条", "附件1").
Task numbers: in a plan a numbered item `N.` is task N, text before the first item is task 0 and the
sections of a top-level heading after the last item are max+1 (the plan's convention, kept so FAQ task
numbers stay valid); a regulation's article is its own number; in other documents units are numbered
1, 2, 3 … in order; attachments continue after the highest task of the main text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN_NUM = "一二三四五六七八九十"
CN_BIG = "零〇一二三四五六七八九十百千两"
L1_RE = re.compile(rf"^([{CN_NUM}]+)、\s*(.+)$")
L2_RE = re.compile(rf"^[（(]([{CN_NUM}]+)[）)]\s*(.+)$")
# "5.5万元" is a number, not item 5; "5.2026年4月1日起…" and "5、10家以上" are items
L3_RE = re.compile(r"^(\d{1,3})(?:[.．]\s*(?!\d)|[.．](?=(?:19|20)\d\d年)|、\s*)(.+)$")
CHAPTER_RE = re.compile(rf"^第([{CN_BIG}]+)章\s*(.*)$")
JIE_RE = re.compile(rf"^第([{CN_BIG}]+)节\s*(.*)$")
ARTICLE_RE = re.compile(rf"^第([{CN_BIG}]+)条\s*(.*)$")
ATTACH_RE = re.compile(rf"^附件\s*([0-9０-９]{{1,2}}|[{CN_NUM}]{{1,3}})?\s*(?:[：:]\s*(.*))?$")
ATTACH_LIST_RE = re.compile(r"^\d+[.．、]")  # "附件：1.某某清单" lists attachments inside the notice
ATTACH_LIST_START = re.compile(r"^附件\s*[：:]\s*\d+[.．、]")
ANY_MARKER_RE = re.compile(
    rf"^(?:附件\s*(?:[0-9０-９]{{1,2}}|[{CN_NUM}]{{1,3}})?|第[{CN_BIG}]+[章节条]|[{CN_NUM}]+、|[（(][{CN_NUM}]+[）)]"
    r"|\d{1,3}[.．、])\s*[：:]?\s*"
)
TABLE_CELL_RE = re.compile(r"^[^：:，,。；;]{1,20}[：:]\S")
SENTENCE_END = "。！？!?"
CLOSERS = "”’）)」』"
PREAMBLE_TITLE = "前言"
# a heading line carries no sentence of its own; a content line carries at least one full stop
_TITLE_SPLIT = re.compile(r"[。：:]")
MAX_TITLE = 40
# a lead with a comma is a clause ("在境内成功上市的，奖励500万元。"), never a heading ("深化商事制度改革。")
CLAUSE_MARKS = ("，", "；", ",", ";")
# a lead that states a rule or a figure ("获得补贴的设施应当连续运营不少于5年。", "建设补贴每年集中申报两次：")
# is the item's first sentence: a heading names a topic ("支持对象", "降低市场准入门槛") and states nothing
STATEMENT_RE = re.compile(r"\d|[一两二三四五六七八九十]+[次年个天日月倍]|应当|不得|可以|必须|给予|不超过|不少于|不低于"
                          r"|不高于|以上|以下|以内|每[年月季次]")

PLAN, RESTARTED_PLAN, NOTICE, REGULATION = "plan", "restarted_plan", "notice", "regulation"
# a 办事指南: 一、申请材料 with a list 1. 2. 3. that starts again under every section — the section is the unit
GUIDE = "guide"
OUTLINE_KINDS = ("l1", "l2", "l3")
REGULATION_KINDS = ("chapter", "jie", "article")


@dataclass
class Sentence:
    text: str
    start: int
    end: int


@dataclass
class Chunk:
    """One paragraph of body text (a whole article, a whole table) under one citable unit."""

    id: str
    doc_id: str
    section: str  # machine path, unique per unit: "二.(二).5", "第二章.第五条", "附件1"; "" for the preamble
    section_titles: list[str]  # titles of the enclosing headings, outermost first
    task: int
    task_title: str
    text: str
    start: int
    end: int
    sentences: list[Sentence] = field(default_factory=list)
    label: str = ""  # the unit in the document's own terms: "二、（二）5.", "第二章 第五条", "附件1", "前言"
    unit: str = "item"  # "task" (plan item N.), "article" (条) or "item"


@dataclass
class _Line:
    text: str  # stripped
    start: int
    end: int


@dataclass
class _Mark:
    kind: str  # attach | chapter | jie | article | l1 | l2 | l3
    level: int
    key: str  # path part: "二", "(二)", "5", "第二章", "附件1"
    label: str  # "二、", "（二）", "5.", "第二章", "附件1"
    num: int
    rest: str
    rest_at: int  # offset of `rest` in the body


@dataclass
class _Head:
    kind: str
    key: str
    label: str
    num: int
    title: str


def cn_to_int(text: str) -> int:
    """'二十三' → 23, '一百零五' → 105, '5' → 5: article numbers are cited as integers."""
    if text.isdigit():
        return int(text)
    digits = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
    units = {"十": 10, "百": 100, "千": 1000}
    total = digit = 0
    for ch in text:
        if ch in digits:
            digit = digits[ch]
        elif ch in units:
            total += (digit or 1) * units[ch]
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + digit


def _split_line(text: str, offset: int) -> list[Sentence]:
    out: list[Sentence] = []
    start = i = 0
    n = len(text)
    while i < n:
        if text[i] in SENTENCE_END:
            j = i + 1
            while j < n and text[j] in CLOSERS:
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


def split_sentences(text: str, offset: int = 0) -> list[Sentence]:
    """Split on Chinese sentence ends, keeping closing quotes/brackets with their sentence.

    A line break also ends a sentence, so a title, a date or a table row is never glued to the next line.
    """
    out: list[Sentence] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        out.extend(_split_line(raw.rstrip("\r\n"), offset + pos))
        pos += len(raw)
    return out


def is_table_row(line: str) -> bool:
    """'列：值；列：值。' — a table row rendered as text; it is one sentence whatever it contains."""
    cells = [c for c in re.split(r"[；;]", line.strip().rstrip("。")) if c.strip()]
    return len(cells) >= 2 and all(TABLE_CELL_RE.match(c.strip()) for c in cells)


def _has_stop(text: str) -> bool:
    return any(ch in text for ch in SENTENCE_END)


def _ends_sentence(text: str) -> bool:
    return text.rstrip(CLOSERS)[-1:] in tuple(SENTENCE_END)


def _title_split(rest: str) -> tuple[str, int]:
    """'指导思想。以习近平…' → ('指导思想', index of '以'); no separator → (rest, len); a long lead is no title."""
    m = _TITLE_SPLIT.search(rest)
    if not m:
        return rest.strip(), len(rest)
    title = rest[: m.start()].strip()
    if len(title) > MAX_TITLE or any(p in title for p in CLAUSE_MARKS):  # a sentence, not a title
        return "", 0
    at = m.end()
    while at < len(rest) and rest[at].isspace():
        at += 1
    return title, at


def _lines(body: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in body.splitlines(keepends=True):
        text = raw.strip()
        if text:
            lead = len(raw) - len(raw.lstrip())
            out.append(_Line(text, pos + lead, pos + lead + len(text)))
        pos += len(raw)
    return out


def _attach_mark(line: _Line) -> _Mark | None:
    m = ATTACH_RE.match(line.text)
    if not m or ATTACH_LIST_RE.match(m.group(2) or ""):
        return None
    key = f"附件{m.group(1) or ''}"
    rest = m.group(2) or ""
    at = line.start + (m.start(2) if m.group(2) is not None else len(line.text))
    return _Mark("attach", 0, key, key, 0, rest, at)


def _mark(line: _Line, shape: str, in_attach: bool, has_l1: bool) -> _Mark | None:
    """The structural marker a line starts with, in the context of the document's shape."""
    if mark := _attach_mark(line):
        return mark
    t = line.text
    if shape == REGULATION and not in_attach:
        for kind, level, rx in (("chapter", 1, CHAPTER_RE), ("jie", 2, JIE_RE), ("article", 3, ARTICLE_RE)):
            if m := rx.match(t):
                head = t[: m.start(2)].strip()
                return _Mark(kind, level, head, head, cn_to_int(m.group(1)), m.group(2), line.start + m.start(2))
        return None  # 一、/（一）/1. inside a regulation are 款 and 项 of an article
    if m := L1_RE.match(t):
        return _Mark("l1", 1, m.group(1), f"{m.group(1)}、", cn_to_int(m.group(1)), m.group(2),
                     line.start + m.start(2))
    if m := L2_RE.match(t):
        return _Mark("l2", 2, f"({m.group(1)})", f"（{m.group(1)}）", cn_to_int(m.group(1)), m.group(2),
                     line.start + m.start(2))
    if (m := L3_RE.match(t)) and (has_l1 or in_attach) and (shape != GUIDE or in_attach):
        num = int(m.group(1))
        return _Mark("l3", 3, str(num), f"{num}.", num, m.group(2), line.start + m.start(2))
    return None


def _attachment_list(lines: list[_Line]) -> set[int]:
    """Indexes of the '附件：1.某某清单' line and its '2.某某标准' continuation lines: text, not items."""
    out: set[int] = set()
    for i, line in enumerate(lines):
        if ATTACH_LIST_START.match(line.text) or (
                i - 1 in out and L3_RE.match(line.text) and not _has_stop(line.text)):
            out.add(i)
    return out


def _shape(lines: list[_Line], listed: set[int]) -> str:
    """Regulation if the main text has articles (第X条), plan if it numbers items under 一、, else notice.

    A plan whose item numbers restart under each heading (1. 2. 3. under every （一）) cannot use N as
    its task number, so its units are numbered in order like a notice's.
    """
    articles = 0
    seen_l1 = seen_l2 = False
    numbers: list[int] = []
    for i, line in enumerate(lines):
        if _attach_mark(line):
            break
        if i in listed:
            continue
        articles += bool(ARTICLE_RE.match(line.text))
        if L1_RE.match(line.text):
            seen_l1 = True
        elif L2_RE.match(line.text):
            seen_l2 = True
        elif seen_l1 and (m := L3_RE.match(line.text)):
            numbers.append(int(m.group(1)))
    if articles >= 2:
        return REGULATION
    if not numbers:
        return NOTICE
    if len(set(numbers)) == len(numbers):
        return PLAN
    return RESTARTED_PLAN if seen_l2 else GUIDE


def _label(heads: list[_Head]) -> str:
    """'二、（二）5.' for outlines, '第二章 第五条' for regulations, '附件1 一、（二）' in attachments."""
    tokens: list[str] = []
    glue = False
    for h in heads:
        if h.kind in OUTLINE_KINDS and glue:
            tokens[-1] += h.label
        else:
            tokens.append(h.label)
        glue = h.kind in OUTLINE_KINDS
    return " ".join(tokens) or PREAMBLE_TITLE


class _Parser:
    """One pass over the lines; heading state plus the plan's task convention."""

    def __init__(self, doc_id: str, body: str, lines: list[_Line]) -> None:
        self.doc_id, self.body, self.lines = doc_id, body, lines
        self.listed = _attachment_list(lines)
        self.shape = _shape(lines, self.listed)
        self.heads: dict[int, _Head] = {}
        self.chunks: list[Chunk] = []
        self.unit_task: dict[str, int] = {}
        self.top_task = 0
        # the plan's convention (unchanged from the first parser)
        self.task, self.max_task, self.task_title = 0, 0, PREAMBLE_TITLE
        self.seen_numbered = self.after_numbered_l1 = False
        self.open_article: Chunk | None = None
        self.in_article = False
        self.table_open = False

    @property
    def in_attach(self) -> bool:
        return 0 in self.heads

    def run(self) -> list[Chunk]:
        i = 0
        while i < len(self.lines):
            line = self.lines[i]
            mark = None if i in self.listed else _mark(line, self.shape, self.in_attach, 1 in self.heads)
            if mark is None:
                self._content(line)
                i += 1
            else:
                i = self._heading(mark, i)
        return self.chunks

    def _next_mark(self, i: int, mark: _Mark) -> tuple[bool, _Mark | None]:
        """(is there a next line, its marker) as seen from inside `mark`."""
        if i >= len(self.lines):
            return False, None
        if i in self.listed:
            return True, None
        in_attach = self.in_attach or mark.kind == "attach"
        has_l1 = 1 in self.heads or mark.kind == "l1"
        return True, _mark(self.lines[i], self.shape, in_attach, has_l1)

    def _heading(self, mark: _Mark, i: int) -> int:
        """Handle a marker line; returns the index of the next line to read."""
        self.in_article = False
        self.open_article = None
        self.table_open = False
        if mark.kind == "attach":
            self.heads = {}
        title, nxt, (content_at, content_end) = self._title_and_content(mark, i + 1)
        self._enter(mark, title, content_at >= 0)
        # an article, or a guide's section, gathers the lines below it into one unit
        self.in_article = mark.kind == "article" or (self.shape == GUIDE and mark.kind == "l1")
        if content_at >= 0:
            self._emit(content_at, content_end)
        return nxt

    def _no_body(self, nxt: int, mark: _Mark) -> bool:
        exists, following = self._next_mark(nxt, mark)
        return not exists or (following is not None and following.level <= mark.level)

    def _title_and_content(self, mark: _Mark, nxt: int) -> tuple[str, int, tuple[int, int]]:
        """(title, next line, content span or (-1, -1)): a heading with nothing of its own below it is
        content, not a title, and so is a heading that is a complete sentence."""
        rest, at0 = mark.rest, mark.rest_at
        none = (-1, -1)
        if mark.kind == "article":
            return "", nxt, ((at0, at0 + len(rest)) if rest else none)
        if not rest:
            if mark.kind == "attach" and nxt < len(self.lines) and self._is_title_line(nxt):
                line = self.lines[nxt]
                span = (line.start, line.end) if self._no_body(nxt + 1, mark) else none
                return line.text, nxt + 1, span
            return "", nxt, none
        title, at = _title_split(rest)
        if at < len(rest):
            if STATEMENT_RE.search(title):
                return "", nxt, (at0, at0 + len(rest))
            return title, nxt, (at0 + at, at0 + len(rest))
        exists, following = self._next_mark(nxt, mark)
        has_children = following is not None and following.level > mark.level
        if not has_children and (_ends_sentence(rest) or self._no_body(nxt, mark)):
            return (title if len(title) <= MAX_TITLE else ""), nxt, (at0, at0 + len(rest))
        return title, nxt, none

    def _is_title_line(self, i: int) -> bool:
        """The short line under a bare '附件1' that names the attachment."""
        line = self.lines[i]
        return (_mark(line, self.shape, True, False) is None and not _has_stop(line.text)
                and not is_table_row(line.text) and len(line.text) <= MAX_TITLE)

    def _enter(self, mark: _Mark, title: str, has_content: bool) -> None:
        self.heads = {lv: h for lv, h in self.heads.items() if lv < mark.level}
        self.heads[mark.level] = _Head(mark.kind, mark.key, mark.label, mark.num, title)
        if self.shape == PLAN and not self.in_attach:
            self._plan_task(mark, title, has_content)

    def _plan_task(self, mark: _Mark, title: str, has_content: bool) -> None:
        t1 = self.heads[1].title if 1 in self.heads else ""
        if mark.kind == "l1":
            if self.seen_numbered:
                self.after_numbered_l1 = True
            self.task = self.max_task + 1 if self.after_numbered_l1 else 0
            self.task_title = title
        elif mark.kind == "l2":
            if self.seen_numbered and not self.after_numbered_l1 and not has_content:
                pass  # a grouping heading between numbered items: task set by the next item
            elif not self.seen_numbered or self.after_numbered_l1:
                self.task = self.max_task + 1 if self.after_numbered_l1 else 0
                self.task_title = title or t1
        elif mark.kind == "l3":
            self.task = mark.num
            t2 = self.heads[2].title if 2 in self.heads else ""
            self.task_title = title or t2 or t1
            self.seen_numbered = True
            self.max_task = max(self.max_task, mark.num)

    def _content(self, line: _Line) -> None:
        row = is_table_row(line.text)
        last = self.chunks[-1] if self.chunks else None
        if last is not None and ((self.in_article and self.open_article is last) or (row and self.table_open)):
            last.end = line.end
            last.text = self.body[last.start:last.end]
        else:
            self._emit(line.start, line.end)
        self.table_open = row

    def _emit(self, start: int, end: int) -> None:
        heads = [self.heads[lv] for lv in sorted(self.heads)]
        section = ".".join(h.key for h in heads)
        task, task_title, unit = self._unit(heads, section)
        chunk = Chunk(id="", doc_id=self.doc_id, section=section, section_titles=[h.title for h in heads if h.title],
                      task=task, task_title=task_title, text=self.body[start:end], start=start, end=end,
                      label=_label(heads), unit=unit)
        self.top_task = max(self.top_task, task)
        self.chunks.append(chunk)
        if self.in_article:
            self.open_article = chunk

    def _unit(self, heads: list[_Head], section: str) -> tuple[int, str, str]:
        """(task, task_title, unit) of a new chunk under `heads`."""
        inner = next((h.title for h in reversed(heads) if h.title), "") or _label(heads)
        if not heads:
            return 0, PREAMBLE_TITLE, "item"
        if self.in_attach or self.shape in (NOTICE, RESTARTED_PLAN, GUIDE):
            task = self.unit_task.setdefault(section, self.top_task + 1)
            numbered = self.shape == RESTARTED_PLAN and heads[-1].kind == "l3" and not self.in_attach
            return task, inner, "task" if numbered else "item"
        if self.shape == REGULATION:
            article = heads[-1] if heads[-1].kind == "article" else None
            return (article.num, inner, "article") if article else (0, inner, "item")
        return self.task, self.task_title, "task" if heads[-1].kind == "l3" else "item"


def _chunk_sentences(body: str, start: int, end: int) -> list[Sentence]:
    """Sentences line by line; a table row is one sentence."""
    out: list[Sentence] = []
    for line in _lines(body[start:end]):
        at = start + line.start
        if is_table_row(line.text):
            out.append(Sentence(line.text, at, at + len(line.text)))
        else:
            out.extend(split_sentences(line.text, at))
    return out


def _assign_ids(doc_id: str, chunks: list[Chunk]) -> None:
    """Within a section, paragraphs with a full stop are numbered first, then lines without one
    (titles, dates, signatures): recovering such lines never renumbers a chunk older parsers made."""
    by_section: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_section.setdefault(c.section, []).append(c)
    for section, group in by_section.items():
        ordered = [c for c in group if _has_stop(c.text)] + [c for c in group if not _has_stop(c.text)]
        for idx, c in enumerate(ordered):
            c.id = f"{doc_id}#{section or '0'}#{idx}"


def parse_document(doc_id: str, body: str) -> list[Chunk]:
    """Parse body text into chunks in document order; offsets index into `body`."""
    chunks = _Parser(doc_id, body, _lines(body)).run()
    for c in chunks:
        c.sentences = _chunk_sentences(body, c.start, c.end)
    _assign_ids(doc_id, chunks)
    return chunks


def _recorded_heading(text: str, titles: set[str]) -> bool:
    """A heading line (or its head before inline content) whose title is kept in the chunks."""
    m = ANY_MARKER_RE.match(text)
    title = text[m.end():] if m else text
    title = title.strip().rstrip("。：:").strip()
    return (bool(m) and not title) or title in titles


def coverage(body: str, chunks: list[Chunk]) -> float:
    """Share of the body's non-whitespace characters kept as chunk text or as recorded heading titles."""
    kept = bytearray(len(body))
    for c in chunks:
        kept[c.start:c.end] = b"\x01" * (c.end - c.start)
    titles = {t for c in chunks for t in (*c.section_titles, c.task_title) if t}
    total = got = 0
    for line in _lines(body):
        first = next((i for i in range(line.start, line.end) if kept[i]), line.end)
        head_ok = first > line.start and _recorded_heading(body[line.start:first], titles)
        for i in range(line.start, line.end):
            if body[i].isspace():
                continue
            total += 1
            got += bool(kept[i] or (i < first and head_ok))
    return got / total if total else 1.0
