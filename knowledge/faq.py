"""Curated FAQ entries: loading and validation of the admin-editable YAML files.

Errors name the file, line, entry id and field (in Chinese: admins read them) so a typo is fixed without a
traceback. Every entry quotes its document verbatim — that is what lets every answer carry a true citation:
either the `answer` itself is the quote, or the answer is plain language and `basis` (依据) is the quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.documents import Document

TOPICS = (
    "registration", "taxation", "land", "finance", "dispute", "policy", "service",
    "market", "talent", "trade", "innovation", "livelihood", "general",
)
# the keys of an entry, in the order an admin writes them
FIELDS = ("id", "doc", "tasks", "topic", "department", "questions", "answer", "basis")
# how the editor and the messages name each key
FIELD_LABELS = {"id": "条目 ID", "doc": "文档", "tasks": "任务编号", "topic": "主题", "department": "负责部门",
                "questions": "问法", "answer": "答案", "basis": "依据"}
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,80}$")
SEGMENT_SEP = "……"
MAX_PLAIN_ANSWER = 500
# markup a plain-language answer must not carry: tags, comments and character references
HTML_RE = re.compile(r"<\s*/?\s*[A-Za-z!?]|&#?[A-Za-z0-9]+;")
_PUNCT = str.maketrans("，；：（）！？", ",;:()!?")


class Problem(str):
    """A problem message that remembers the entry field it is about, so the editor can show it there."""

    field: str

    def __new__(cls, text: str, field: str = "") -> Problem:
        obj = super().__new__(cls, text)
        obj.field = field
        return obj


class FaqError(ValueError):
    """Invalid FAQ data; `problems` lists every problem found, each with file:line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))

    def by_field(self) -> dict[str, list[str]]:
        """The problems grouped by entry field ("" for those about no single field)."""
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(getattr(p, "field", ""), []).append(str(p))
        return out


@dataclass
class FaqEntry:
    id: str
    doc: str
    tasks: list[int]
    topic: str
    department: str
    questions: list[str]
    answer: str
    basis: str = ""  # the verbatim quote behind a plain-language answer; "" = the answer is the quote
    source_file: str = ""
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "doc": self.doc, "tasks": list(self.tasks), "topic": self.topic,
            "department": self.department, "questions": list(self.questions), "answer": self.answer,
        }
        if self.basis:
            out["basis"] = self.basis
        return out


def normalize_quote(text: str) -> str:
    """Whitespace- and width-insensitive form used to check that an answer quotes its source."""
    return re.sub(r"\s+", "", text).translate(_PUNCT)


def _entries_with_lines(text: str, source: str) -> tuple[dict[str, Any], list[int]]:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FaqError([f"{source}：不是有效的 YAML：{exc}"]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise FaqError([f"{source}:1：文件须是一个映射，条目列在 entries 下"])
    lines: list[int] = []
    for key_node, value_node in node.value:
        if key_node.value == "entries":
            lines = [item.start_mark.line + 1 for item in value_node.value]
    return data, lines


def _label(key: str) -> str:
    """"依据（basis）": the editor's name of a field and the YAML key, so both kinds of admin find it."""
    return f"{FIELD_LABELS[key]}（{key}）"


def _where(where: str, eid: str) -> str:
    """"a.yaml:2 条目「t05-x」"; the admin API passes "条目" itself as its location."""
    shown = f"「{eid}」" if eid else "（缺少 ID）"
    return f"{where}{shown}" if where.endswith("条目") else f"{where} 条目{shown}"


def missing_quotes(quote: str, doc: Document, tasks: list[int]) -> list[str]:
    """The segments of `quote` (split at "……") that are not in the text of the cited tasks."""
    source = normalize_quote("".join(c.text for c in doc.chunks if c.task in tasks))
    return [seg.strip() for seg in quote.split(SEGMENT_SEP)
            if normalize_quote(seg) and normalize_quote(seg) not in source]


def _quote_problems(key: str, quote: str, doc: Document, tasks: list[int], hint: str = "") -> list[tuple[str, str]]:
    task_text = "、".join(f"第{t}项" for t in tasks)
    return [(key, f"{_label(key)}必须逐字引用所选任务（{task_text}）的原文，未找到：「{seg[:30]}」{hint}")
            for seg in missing_quotes(quote, doc, tasks)]


def _plain_answer_problems(answer: str) -> list[tuple[str, str]]:
    """Limits of a plain-language answer: it is shown as text in a chat bubble, so short and no markup."""
    problems = []
    if len(answer) > MAX_PLAIN_ANSWER:
        problems.append(("answer", f"{_label('answer')}过长：通俗答案最多 {MAX_PLAIN_ANSWER} 个字，"
                                   f"当前 {len(answer)} 个字"))
    if HTML_RE.search(answer):
        problems.append(("answer", f"{_label('answer')}不能包含 HTML 标签或字符实体（如 <b>、&nbsp;），请只写纯文本"))
    return problems


def _task_problems(raw: dict[str, Any], doc: Document | None, doc_id: str) -> tuple[list[int], list[tuple[str, str]]]:
    tasks = raw.get("tasks")
    if (not isinstance(tasks, list) or not tasks
            or not all(isinstance(t, int) and not isinstance(t, bool) for t in tasks)):
        return [], [("tasks", f"{_label('tasks')}必须是非空的任务编号列表，如 [5] 或 [5, 6]")]
    if doc is None:
        return list(tasks), []
    known = {c.task for c in doc.chunks}
    unknown = [t for t in tasks if t not in known]
    if unknown:
        return [], [("tasks", f"{_label('tasks')}：文档 {doc_id} 中没有第{t}项任务") for t in unknown]
    return list(tasks), []


def _answer_and_basis(raw: dict[str, Any], doc: Document | None,
                      tasks: list[int]) -> tuple[str, str, list[tuple[str, str]]]:
    """The answer and its basis; whichever is the quote (the basis if given, else the answer) must be verbatim."""
    problems: list[tuple[str, str]] = []
    basis = raw.get("basis")
    if basis is not None and not isinstance(basis, str):
        problems.append(("basis", f"{_label('basis')}必须是文本"))
        basis = ""
    basis = (basis or "").strip()
    answer = raw.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        problems.append(("answer", f"{_label('answer')}不能为空"))
        answer = ""
    answer = answer.strip()
    if basis and answer:
        problems += _plain_answer_problems(answer)
    quote_key, quote = ("basis", basis) if basis else ("answer", answer)
    if quote and doc is not None and tasks:
        hint = "；如需用通俗语言作答，请把原文填入依据（basis）" if quote_key == "answer" else ""
        problems += _quote_problems(quote_key, quote, doc, tasks, hint)
    return answer, basis, problems


def _check(raw: dict[str, Any], docs: dict[str, Document],
           default_doc: str | None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Every field checked; returns the cleaned values and (field, message) problems."""
    problems: list[tuple[str, str]] = []
    eid = str(raw.get("id", "")).strip()
    if not ID_RE.match(eid):
        problems.append(("id", f"{_label('id')}须为 2–80 个英文字母、数字或 - _ .，且以字母或数字开头"))
    doc_id = str(raw.get("doc") or default_doc or "")
    doc = docs.get(doc_id)
    if doc is None:
        known = "、".join(sorted(docs))
        problems.append(("doc", f"{_label('doc')}：未知文档 {doc_id or '（未填写）'}（可选：{known}）"))
    tasks, task_problems = _task_problems(raw, doc, doc_id)
    problems += task_problems
    topic = raw.get("topic")
    if topic not in TOPICS:
        got = "未填写" if topic in (None, "") else f"当前为 {topic}"
        problems.append(("topic", f"{_label('topic')}须为以下之一：{', '.join(TOPICS)}（{got}）"))
    department = str(raw.get("department") or "").strip()
    if not department:
        problems.append(("department", f"{_label('department')}不能为空"))
    questions = raw.get("questions")
    if (not isinstance(questions, list) or not questions
            or not all(isinstance(q, str) and q.strip() for q in questions)):
        problems.append(("questions", f"{_label('questions')}须至少有一个，且每个问法都不能为空"))
        questions = []
    answer, basis, text_problems = _answer_and_basis(raw, doc, tasks)
    problems += text_problems
    values = {"id": eid, "doc": doc_id, "tasks": tasks, "topic": str(topic), "department": department,
              "questions": [q.strip() for q in questions], "answer": answer, "basis": basis}
    return values, problems


def validate_entry(raw: Any, docs: dict[str, Document], default_doc: str | None,
                   where: str) -> tuple[FaqEntry | None, list[str]]:
    """Check one entry; returns the entry (or None) and its problems, each naming where and which field."""
    if not isinstance(raw, dict):
        return None, [Problem(f"{where}：条目必须是一个映射（id、tasks、questions、answer …）")]
    values, found = _check(raw, docs, default_doc)
    at = _where(where, values["id"])
    problems: list[str] = [Problem(f"{at}：{message}", key) for key, message in found]
    if problems:
        return None, problems
    extra = {k: v for k, v in raw.items() if k not in FIELDS}
    return FaqEntry(**values, extra=extra), []


def load_faq_file(path: Path, docs: dict[str, Document]) -> list[FaqEntry]:
    text = path.read_text(encoding="utf-8")
    data, lines = _entries_with_lines(text, str(path))
    default_doc = data.get("doc") or (next(iter(docs)) if len(docs) == 1 else None)
    entries: list[FaqEntry] = []
    problems: list[str] = []
    for i, raw in enumerate(data["entries"]):
        line = lines[i] if i < len(lines) else 0
        entry, errs = validate_entry(raw, docs, default_doc, f"{path}:{line}")
        problems.extend(errs)
        if entry:
            entry.source_file, entry.line = str(path), line
            entries.append(entry)
    if problems:
        raise FaqError(problems)
    return entries


def load_faq(faq_dir: Path, docs: list[Document]) -> list[FaqEntry]:
    """Every entry of every *.yaml file in `faq_dir`; ids are unique across files."""
    by_id = {d.id: d for d in docs}
    entries: list[FaqEntry] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in sorted(faq_dir.glob("*.yaml")):
        try:
            file_entries = load_faq_file(path, by_id)
        except FaqError as exc:
            problems.extend(exc.problems)
            continue
        for e in file_entries:
            if e.id in seen:
                problems.append(Problem(f"{_where(f'{e.source_file}:{e.line}', e.id)}：{_label('id')}重复"
                                        f"（首次出现在 {seen[e.id]}）", "id"))
            seen[e.id] = f"{e.source_file}:{e.line}"
            entries.append(e)
    if problems:
        raise FaqError(problems)
    return entries


def load_overrides(path: Path, entries: list[FaqEntry], docs: list[Document]) -> list[FaqEntry]:
    """Apply the admin's published changes (a YAML file of whole entries or `{id, deleted: true}`)."""
    if not path.exists():
        return entries
    data, lines = _entries_with_lines(path.read_text(encoding="utf-8"), str(path))
    by_doc = {d.id: d for d in docs}
    default_doc = data.get("doc") or (docs[0].id if len(docs) == 1 else None)
    merged = {e.id: e for e in entries}
    problems: list[str] = []
    for i, raw in enumerate(data["entries"]):
        where = f"{path}:{lines[i] if i < len(lines) else 0}"
        if isinstance(raw, dict) and raw.get("deleted"):
            merged.pop(str(raw.get("id")), None)
            continue
        entry, errs = validate_entry(raw, by_doc, default_doc, where)
        problems.extend(errs)
        if entry:
            entry.source_file = str(path)
            merged[entry.id] = entry
    if problems:
        raise FaqError(problems)
    return list(merged.values())


def dump_overrides(path: Path, overrides: dict[str, dict[str, Any] | None]) -> None:
    """Write the admin's changes atomically; `None` marks a deleted entry."""
    import os

    items = [{"id": k, "deleted": True} if v is None else v for k, v in sorted(overrides.items())]
    text = "# Published by the admin console. Entries here replace or delete entries of the same id.\n"
    text += yaml.safe_dump({"entries": items}, allow_unicode=True, sort_keys=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_overrides(path: Path) -> dict[str, dict[str, Any] | None]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(e["id"]): (None if e.get("deleted") else e) for e in data.get("entries", [])}
