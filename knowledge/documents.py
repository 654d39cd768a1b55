"""Policy documents on disk: a UTF-8 text body with a YAML front matter of metadata.

Metadata travels with every chunk into citations (title, 文号, 成文日期, validity), so it lives next to
the text it describes rather than in a separate table. Front-matter keys:

    id, title, number (文号), issuer, written (成文日期), published, effective (生效日期),
    expires (失效日期) or term (有效期: "2年", "6个月", "长期"), validity (有效/失效, the admins' switch),
    level (国家 / 山东省 / 青岛市 / 西海岸新区), based_on / replaces / cites (lists of document ids)

Scalars are kept as str and the relation keys as lists of str. Whether a document may answer today
depends on the other documents too (a newer one may replace it): see `lifecycle`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from knowledge.parser import Chunk, parse_document

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
REQUIRED_META = ("id", "title", "written")
DATE_KEYS = {"written": "成文日期", "published": "发布日期", "effective": "生效日期", "expires": "失效日期",
             "repealed": "废止日期"}
RELATION_KEYS = {"based_on": "依据", "replaces": "替代", "cites": "引用"}
LEVELS = ("国家", "山东省", "青岛市", "西海岸新区")
DEFAULT_LEVEL = "西海岸新区"
MOST_SPECIFIC_FIRST = tuple(reversed(LEVELS))  # the order answers prefer and the upload form offers
VALIDITY_VALUES = ("有效", "失效")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TERM_RE = re.compile(r"^(\d+)\s*(年|个月|月)$")
LONG_TERM = "长期"
LIST_SPLIT = re.compile(r"[;；,，\s]+")


class DocumentError(ValueError):
    """A document file that cannot be used; the message names the file and the problem."""


def parse_date(value: str | None, key: str, source: str) -> date | None:
    """A YYYY-MM-DD front-matter date, or None when absent; anything else is an error naming the file."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        if not DATE_RE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        label = DATE_KEYS.get(key, key)
        raise DocumentError(f"{source}：{label}（{key}）“{text}”不是有效日期，应为 YYYY-MM-DD 格式") from None


def parse_term(value: str | None, source: str) -> str | None:
    """有效期 as written ("3年", "6个月", "长期"), checked so a typo cannot silently mean "forever"."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if text != LONG_TERM and not TERM_RE.match(text):
        raise DocumentError(f"{source}：有效期（term）“{text}”无法识别，应写成“2年”“6个月”或“长期”")
    return text


def add_term(start: date, term: str) -> date | None:
    """The last day in force of a document that takes effect on `start` for `term` (None: 长期)."""
    m = TERM_RE.match(term)
    if not m:
        return None
    months = int(m.group(1)) * (12 if m.group(2) == "年" else 1)
    y, mo = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, mo + 1
    for day in (start.day, 30, 29, 28):  # 3月31日 + 1个月 → 4月30日
        try:
            return date(year, month, day) - timedelta(days=1)
        except ValueError:
            continue
    return None


def as_id_list(value: Any) -> list[str]:
    """A relation value as ids: a YAML list, or one string separated by ; , or spaces."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else LIST_SPLIT.split(str(value))
    return [str(v).strip() for v in items if v is not None and str(v).strip()]


def normalize_meta(meta: dict[str, Any], source: str) -> dict[str, Any]:
    """Scalars to str, relations to lists of str, dates/term/level/validity checked (Chinese errors)."""
    out: dict[str, Any] = {}
    for key, value in meta.items():
        key = str(key)
        if key in RELATION_KEYS:
            out[key] = as_id_list(value)
        elif isinstance(value, (list, tuple)):
            out[key] = [str(v) for v in value]
        else:
            out[key] = str(value) if value is not None else None
    for key in DATE_KEYS:
        parse_date(out.get(key), key, source)
    parse_term(out.get("term"), source)
    if out.get("level") and out["level"] not in LEVELS:
        raise DocumentError(f"{source}：层级（level）“{out['level']}”无效，应为 {' / '.join(LEVELS)} 之一")
    if out.get("validity") and out["validity"] not in VALIDITY_VALUES:
        raise DocumentError(f"{source}：有效性（validity）“{out['validity']}”无效，应为 有效 或 失效")
    return out


@dataclass
class Document:
    id: str
    title: str
    body: str
    meta: dict[str, Any] = field(default_factory=dict)
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def written(self) -> str:
        return str(self.meta.get("written") or "")

    @property
    def level(self) -> str:
        """Jurisdiction whose policy this is; questions about other places are declined by it."""
        return str(self.meta.get("level") or DEFAULT_LEVEL)

    @property
    def valid(self) -> bool:
        """In force today judged by this document alone (switch, dates, term).

        Replacement by another document needs the whole set: `lifecycle(docs, today)[id].answerable`
        (exposed as `Knowledge.status`) is what decides whether the document may answer.
        """
        return own_state(self, date.today())[0] == "有效"

    def relations(self, key: str) -> list[str]:
        """Ids this document lists under based_on / replaces / cites."""
        return as_id_list(self.meta.get(key))

    def date_of(self, key: str) -> date | None:
        return parse_date(self.meta.get(key), key, self.id)

    def end_date(self) -> date | None:
        """Last day in force: 失效日期, else 生效日期 (or 成文日期) + 有效期; None when open-ended."""
        explicit = self.date_of("expires")
        if explicit:
            return explicit
        term = self.meta.get("term")
        start = self.date_of("effective") or self.date_of("written")
        return add_term(start, str(term)) if term and start else None

    def chunk_for_task(self, task: int) -> list[Chunk]:
        return [c for c in self.chunks if c.task == task]


STATES = ("有效", "未生效", "已失效", "已废止", "已被替代")


@dataclass(frozen=True)
class Status:
    """Where a document stands on a given day, with the Chinese label citations and consoles show."""

    state: str  # one of STATES
    label: str  # e.g. "未生效（2027-01-01 起施行）", "已被《…》替代"
    replaced_by: str | None = None
    expires: date | None = None  # effective end date, explicit or computed from the term

    @property
    def answerable(self) -> bool:
        return self.state == "有效"

    def to_dict(self) -> dict[str, Any]:
        """JSON form for knowledge.json and the consoles."""
        return {"state": self.state, "label": self.label, "replaced_by": self.replaced_by,
                "expires": self.expires.isoformat() if self.expires else None, "answerable": self.answerable}


def own_state(doc: Document, today: date) -> tuple[str, str]:
    """State and label from the document's own switch and dates, before replacement is considered."""
    if str(doc.meta.get("validity") or "有效") != "有效":
        return "已废止", "已废止"
    start = doc.date_of("effective")
    if start and start > today:
        return "未生效", f"未生效（{start.isoformat()} 起施行）"
    end = doc.end_date()
    if end and end < today:
        return "已失效", f"已失效（{end.isoformat()} 到期）"
    return "有效", "有效"


@dataclass
class Lifecycle:
    """Statuses of a set of documents plus the relation problems found (unknown ids), as warnings."""

    statuses: dict[str, Status]
    warnings: list[str]


def relation_warnings(docs: Iterable[Document]) -> list[str]:
    """Relations naming ids no loaded document has: worth telling admins, never fatal."""
    docs = list(docs)
    known = {d.id for d in docs}
    out = []
    for d in docs:
        for key, label in RELATION_KEYS.items():
            for ref in d.relations(key):
                if ref not in known:
                    out.append(f"《{d.title}》（{d.id}）的{label}（{key}）引用了不存在的文件 {ref}")
                elif ref == d.id:
                    out.append(f"《{d.title}》（{d.id}）的{label}（{key}）引用了自身")
    return out


def lifecycle_with_warnings(docs: list[Document], today: date) -> Lifecycle:
    """Every document's status on `today` and the unknown-relation warnings."""
    own = {d.id: own_state(d, today) for d in docs}
    replacer: dict[str, Document] = {}
    for d in sorted(docs, key=lambda x: (x.written, x.id)):  # the newest in-force replacer wins
        if own[d.id][0] != "有效":
            continue
        for old in d.relations("replaces"):
            if old != d.id:
                replacer[old] = d
    statuses = {}
    for d in docs:
        state, label = own[d.id]
        new = replacer.get(d.id)
        if state == "有效" and new is not None:
            state, label = "已被替代", f"已被《{new.title}》替代"
        statuses[d.id] = Status(state, label, new.id if new is not None and state == "已被替代" else None,
                                d.end_date())
    return Lifecycle(statuses, relation_warnings(docs))


def lifecycle(docs: list[Document], today: date) -> dict[str, Status]:
    """Status of every document on `today`: 有效 / 未生效 / 已失效 / 已废止 / 已被替代.

    Rules in order: the admins' switch 失效 → 已废止; effective date after today → 未生效; end date
    (失效日期, or start + 有效期) before today → 已失效; listed under `replaces` by a document that is
    itself in force → 已被替代. Unknown relation ids are warnings: see `lifecycle_with_warnings`.
    """
    return lifecycle_with_warnings(docs, today).statuses


def parse_document_text(text: str, source: str = "<text>") -> Document:
    m = FRONT_MATTER.match(text)
    if not m:
        raise DocumentError(f"{source}：缺少 YAML 文件头（--- … ---，需含 id/title/written）")
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"{source}：文件头不是有效的 YAML：{exc}") from exc
    if not isinstance(meta, dict):
        raise DocumentError(f"{source}：文件头应为“键: 值”形式")
    missing = [k for k in REQUIRED_META if not meta.get(k)]
    if missing:
        raise DocumentError(f"{source}：文件头缺少 {', '.join(missing)}")
    meta = normalize_meta(meta, source)
    body = text[m.end():]
    doc = Document(id=meta["id"], title=meta["title"], body=body, meta=meta)
    doc.chunks = parse_document(doc.id, body)
    if not doc.chunks:
        raise DocumentError(f"{source}：正文中没有可识别的句子")
    return doc


def load_document(path: Path) -> Document:
    return parse_document_text(path.read_text(encoding="utf-8"), str(path))


def load_documents(docs_dir: Path) -> list[Document]:
    """All documents in a folder, sorted by id; duplicate ids are an error."""
    docs: dict[str, Document] = {}
    for path in sorted(docs_dir.glob("*.txt")):
        doc = load_document(path)
        if doc.id in docs:
            raise DocumentError(f"{path}：文件编号 {doc.id!r} 重复")
        docs[doc.id] = doc
    return sorted(docs.values(), key=lambda d: d.id)


def dump_document(meta: dict[str, Any], body: str) -> str:
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{head}\n---\n{body.strip()}\n"
